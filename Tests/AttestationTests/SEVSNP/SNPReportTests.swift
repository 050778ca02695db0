import Codecs
import Foundation
import Testing
@testable import Attestation

@Suite struct SNPReportTests {
    @Test(arguments: try SNPSample.all())
    func parsesEveryFieldAsExpected(_ sample: SNPSample) throws {
        let report = try SNPReport(parsing: sample.report)
        #expect(Int(report.version) == sample.int("report_version"))
        #expect(Int(report.guestSVN) == sample.int("guest_svn"))
        #expect(report.policy.raw == UInt64(sample.detail("policy").dropFirst(2), radix: 16))
        #expect(Int(report.vmpl) == sample.int("vmpl"))
        #expect(Int(report.signatureAlgorithm) == sample.int("signature_algo"))
        #expect(report.signingKey.rawValue == sample.detail("signing_key"))
        #expect(report.platformInfo.raw == UInt64(sample.detail("platform_info").dropFirst(2), radix: 16))
        #expect(Hex.encode(report.measurement) == sample.measurement)
        #expect(Hex.encode(report.reportData) == sample.reportData)
        #expect(Hex.encode(report.hostData) == sample.detail("host_data"))
        #expect(Hex.encode(report.idKeyDigest) == sample.detail("id_key_digest"))
        #expect(Hex.encode(report.authorKeyDigest) == sample.detail("author_key_digest"))
        #expect(Hex.encode(report.familyID) == sample.detail("family_id"))
        #expect(Hex.encode(report.imageID) == sample.detail("image_id"))
        #expect(Hex.encode(report.reportID) == sample.detail("report_id"))
        #expect(Hex.encode(report.chipID) == sample.detail("chip_id"))
        #expect(report.policy.debug == false)
        #expect(SNPHex.u64(report.reportedTCB.raw) == sample.detail("reported_tcb_raw"))
        for (name, tcb) in [
            ("current_tcb", report.currentTCB), ("reported_tcb", report.reportedTCB),
            ("committed_tcb", report.committedTCB), ("launch_tcb", report.launchTCB),
        ] {
            let expected = sample.tcb(name)
            #expect(Int(tcb.bootloader) == expected["bl"], "\(name)")
            #expect(Int(tcb.tee) == expected["tee"], "\(name)")
            #expect(Int(tcb.snp) == expected["snp"], "\(name)")
            #expect(Int(tcb.microcode) == expected["ucode"], "\(name)")
            #expect(tcb.fmc == nil)
        }
        let v = report.currentVersion
        #expect("\(v.major).\(v.minor) build \(v.build)" == sample.detail("firmware"))
        let family = UInt8(sample.detail("cpuid_fam_id").dropFirst(2), radix: 16)
        if family == 0 {
            #expect(report.cpuid == nil)
        } else {
            #expect(report.cpuid?.family == family)
            #expect(report.cpuid?.model == UInt8(sample.detail("cpuid_mod_id").dropFirst(2), radix: 16))
            #expect(report.cpuid?.stepping == UInt8(sample.detail("cpuid_step").dropFirst(2), radix: 16))
            #expect(report.cpuid?.product?.rawValue == sample.product)
        }
        #expect(report.signedBytes == Array(sample.report[0..<0x2A0]))
    }

    /// lunal-dev/attestation-rs asserts these decoded policy and platform bits for the Milan report.
    @Test func decodesMilanPolicyAndPlatformBits() throws {
        let report = try SNPReport(parsing: SNPSample.milan.report)
        #expect(report.policy.abiMajor == 0 && report.policy.abiMinor == 31)
        #expect(report.policy.smt && !report.policy.migrationAgent && !report.policy.singleSocket)
        #expect(report.platformInfo.smtEnabled && !report.platformInfo.tsmeEnabled)
        #expect(report.launchMitigationVector == nil)
    }

    @Test func signatureScalarsAreConvertedToBigEndian() throws {
        let bytes = try SNPSample.genoa.report
        let report = try SNPReport(parsing: bytes)
        #expect(report.signature.r == Array(bytes[0x2A0..<0x2D0].reversed()))
        #expect(report.signature.s == Array(bytes[0x2E8..<0x318].reversed()))
    }

    @Test func refusesWrongLengths() throws {
        let bytes = try SNPSample.milan.report
        for input in [[], Array(bytes.dropLast()), bytes + [0], Array(bytes.prefix(0x2A0))] {
            #expect(throws: AttestationError(.malformed, "an SEV-SNP attestation report is 1184 bytes, got \(input.count)")) {
                try SNPReport(parsing: input)
            }
        }
    }

    /// Each offset is in a reserved field or a checked value; flipping a bit there must be refused.
    @Test(
        arguments: [
            (0x00A, 1),  // policy bit 17, which must be one
            (0x034, 1),  // SIGNATURE_ALGO 1 -> 3
            (0x030, 2),  // VMPL 0 -> 4
            (0x04B, 0), (0x04C, 0),  // key info reserved bits, reserved word
            (0x18B, 0), (0x19F, 0),  // reserved after CPUID
            (0x1EB, 0), (0x1EF, 0),  // reserved between firmware versions
            (0x208, 0), (0x29F, 0),  // reserved tail of the signed area
            (0x2A0 + 48, 0), (0x2A0 + 71, 0), (0x2A0 + 72 + 48, 0),  // R and S padding
            (0x2A0 + 144, 0), (0x49F, 0),  // signature reserved
            (0x182, 0), (0x03A, 0),  // reserved bytes of REPORTED_TCB and CURRENT_TCB (legacy layout)
        ] as [(Int, Int)])
    func refusesNonZeroReservedOrInvalidValues(offset: Int, bit: Int) throws {
        let bytes = try SNPSample.milan.report.flipping(byte: offset, bit: bit)
        do {
            _ = try SNPReport(parsing: bytes)
            Issue.record("byte 0x\(String(offset, radix: 16)) bit \(bit) was accepted")
        } catch {
            #expect(error.code == .malformed)
        }
    }

    @Test func refusesReservedSigningKeyAndUnknownPolicyBits() throws {
        var bytes = try SNPSample.milan.report
        bytes[0x048] = 2 << 2  // SIGNING_KEY 2 is reserved
        #expect(throws: AttestationError.self) { try SNPReport(parsing: bytes) }
        bytes = try SNPSample.milan.report
        bytes[0x00B] |= 0x04  // policy bit 26
        #expect(throws: AttestationError.self) { try SNPReport(parsing: bytes) }
        bytes = try SNPSample.milan.report
        bytes[0x000] = 6
        #expect(throws: AttestationError.self) { try SNPReport(parsing: bytes) }
        bytes[0x000] = 1
        #expect(throws: AttestationError.self) { try SNPReport(parsing: bytes) }
    }

    /// A version 2 report has no CPUID: those bytes are reserved and must be zero.
    @Test func version2RefusesCPUIDBytes() throws {
        let bytes = try SNPSample.milan.report.flipping(byte: 0x188)
        #expect(throws: AttestationError.self) { try SNPReport(parsing: bytes) }
    }

    /// Mitigation vectors exist from version 5 on; in an older report the same bytes are reserved.
    @Test func mitigationVectorsOnlyFromVersion5() throws {
        var bytes = try SNPSample.genoa.report
        let v5 = try SNPReport(parsing: bytes)
        #expect(v5.launchMitigationVector == 0x0b && v5.currentMitigationVector == 0x0b)
        bytes[0] = 4
        #expect(throws: AttestationError.self) { try SNPReport(parsing: bytes) }
        bytes[0x1F8] = 0; bytes[0x200] = 0
        let v4 = try SNPReport(parsing: bytes)
        #expect(v4.launchMitigationVector == nil && v4.cpuid?.family == 0x19)
    }

    /// Family 1Ah (Turin) switches TCB decoding to the FMC layout; the Genoa TCB bytes then
    /// put a non-zero value in a Turin reserved byte and must be refused.
    @Test func turinCPUIDSelectsTurinTCBLayout() throws {
        var bytes = try SNPSample.genoa.report
        bytes[0x188] = 0x1A
        bytes[0x189] = 0x02
        #expect(throws: AttestationError.self) { try SNPReport(parsing: bytes) }
        // A well-formed Turin TCB: fmc 1, bootloader 2, tee 3, snp 4, microcode 5.
        let turin: [UInt8] = [1, 2, 3, 4, 0, 0, 0, 5]
        for offset in [0x038, 0x180, 0x1E0, 0x1F0] { bytes.replaceSubrange(offset..<(offset + 8), with: turin) }
        let report = try SNPReport(parsing: bytes)
        #expect(report.tcbLayout == .turin)
        #expect(report.reportedTCB == SNPTCB(fmc: 1, bootloader: 2, tee: 3, snp: 4, microcode: 5))
        #expect(report.cpuid?.product == .turin)
    }

    @Test func tcbRawRoundTrips() throws {
        let legacy = SNPTCB(bootloader: 3, tee: 0, snp: 8, microcode: 115)
        #expect(SNPHex.u64(legacy.raw) == "0x7308000000000003")  // EXPECTED.json reported_tcb_raw (Milan)
        #expect(try SNPTCB(raw: legacy.raw, layout: .legacy, field: "t") == legacy)
        let turin = SNPTCB(fmc: 1, bootloader: 2, tee: 3, snp: 4, microcode: 5)
        #expect(try SNPTCB(raw: turin.raw, layout: .turin, field: "t") == turin)
        #expect(throws: AttestationError.self) { try SNPTCB(raw: turin.raw, layout: .legacy, field: "t") }
    }

    /// No input may trap: every single-byte corruption either parses or is refused with a code.
    @Test func neverTrapsOnSingleByteCorruption() throws {
        for sample in try SNPSample.all() {
            for offset in sample.report.indices {
                var bytes = sample.report
                bytes[offset] = ~bytes[offset]
                do { _ = try SNPReport(parsing: bytes) } catch { #expect(error.code == .malformed) }
            }
        }
        for length in 0..<64 {
            #expect(throws: AttestationError.self) { try SNPReport(parsing: [UInt8](repeating: 0xFF, count: length)) }
        }
    }
}
