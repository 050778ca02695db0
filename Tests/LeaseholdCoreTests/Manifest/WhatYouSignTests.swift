import Codecs
import Attestation
import Foundation
import Testing
import TransparencyLog
@testable import LeaseholdCore

/// CRYPTO-REVIEW-2026-12 M5 ("the owner never sees what is signed, and YAML quietly changes
/// it") and L1 ("leading-zero integers are decimal here and octal elsewhere"): the plain-words
/// rendering `manifest sign`, `show` and `verify` print, and the YAML the reader now refuses.
@Suite("What you sign is what you see (M5, L1)")
struct WhatYouSignTests {
    static let m48 = ManifestFixtures.measurement48
    static let reviewPurpose = "Fraud model training for partner #2 ONLY; no export of row-level data"

    /// The review's y-files: a sandbox lease with `lines` at the top level.
    static func yaml(_ lines: String, purpose: String = "test", maxGrants: String = "1", workload: String = "") -> String {
        """
        owner: acme
        leaseId: y18
        purpose: \(purpose)
        ttl: 30d
        maxGrants: \(maxGrants)
        keys: [k1]
        \(lines)
        workloads:
          - tee: sandbox
            measurement: \(m48)
        \(workload)
        """
    }

    static func refusal(_ text: String) -> ManifestError? {
        do {
            _ = try LeaseManifest(yaml: text)
            return nil
        } catch {
            return error
        }
    }

    // MARK: M5.1: a comment that cuts a plain value

    @Test func theReviewsPurposeWithAnUnquotedHashIsRefused() throws {
        let e = try #require(Self.refusal(Self.yaml("", purpose: Self.reviewPurpose)))
        #expect(e.message.contains("line 3"))
        #expect(e.message.contains("Quote the value if it contains #"))
        #expect(e.message.contains("'Fraud model training for partner'"))
        #expect(e.message.contains("#2 ONLY; no export of row-level data"))
    }

    @Test func theReviewsPurposeQuotedIsSignedWhole() throws {
        for quoted in ["\"\(Self.reviewPurpose)\"", "'\(Self.reviewPurpose)'", ">-\n  \(Self.reviewPurpose)"] {
            let m = try LeaseManifest(yaml: Self.yaml("", purpose: quoted))
            #expect(m.purpose == Self.reviewPurpose)
            #expect(String(decoding: m.canonicalJSON, as: UTF8.self).contains("\"purpose\":\"\(Self.reviewPurpose)\""))
        }
    }

    @Test(arguments: [
        "purpose: Données für Partner #2 ONLY",  // multi-byte characters before the cut: marks count characters
        "purpose: 🙂 partner #2",  // outside the BMP
        "purpose: a\tb #2",  // a tab inside, a space before #
        "purpose: partner\t#2",  // a tab before #
        "purpose: Fraud model training\n  for partner #2 ONLY",  // on the last line of a multi-line plain value
        "maxGrants: 1 # one release",  // any plain value, numbers too
        "notBefore: 2027-01-01T00:00:00Z   # UTC",
        "receipts: optional  # the default",
    ])
    func aCommentAfterAnyPlainValueIsRefused(_ line: String) throws {
        let field = String(line.prefix(while: { $0 != ":" }))
        var lines = [
            "owner: acme", "leaseId: y18", "purpose: test", "ttl: 30d", "maxGrants: 1", "keys: [k1]",
            "workloads:", "  - tee: sandbox", "    measurement: \(Self.m48)",
        ].filter { !$0.hasPrefix(field + ":") }
        lines.insert(line, at: 2)
        let e = try #require(Self.refusal(lines.joined(separator: "\n")), "accepted: \(line)")
        #expect(e.message.contains("line 3: a comment follows the unquoted value"))
        #expect(e.message.contains("Quote the value if it contains #"))
        // The same line with the comment on a line of its own is read.
        let hash = try #require(line.range(of: "#", options: .backwards))
        lines[2] = String(line[..<hash.lowerBound]).trimmingCharacters(in: .whitespaces)
        lines.insert("# " + line[hash.upperBound...], at: 2)
        #expect(Self.refusal(lines.joined(separator: "\n")) == nil)
    }

    @Test func aCommentAfterAByteOrderMarkAndCRLFLinesIsStillFound() throws {
        let text = "\u{FEFF}" + Self.yaml("", purpose: "Données pour partner #2").replacingOccurrences(of: "\n", with: "\r\n")
        let e = try #require(Self.refusal(text))
        #expect(e.message.contains("a comment follows the unquoted value 'Données pour partner'"))
        // And the same file without the comment reads (CR LF; Yams itself refuses a BOM later).
        _ = try LeaseManifest(yaml: Self.yaml("", purpose: "Données pour partner").replacingOccurrences(of: "\n", with: "\r\n"))
        let crlf = try #require(Self.refusal(Self.yaml("", purpose: "Données pour partner #2").replacingOccurrences(of: "\n", with: "\r\n")))
        #expect(crlf.message.contains("line 3: a comment follows the unquoted value 'Données pour partner'"))
    }

    @Test func commentsThatCutNothingAreAccepted() throws {
        let m = try LeaseManifest(
            yaml: """
                # a comment on its own line
                owner: acme
                leaseId: y18
                purpose: "partner #2 only"   # after a quoted value
                ttl: 30d
                # maxGrants: 99 (a commented-out line)
                maxGrants: 1
                keys:     # after a key that opens a block
                  - k1
                workloads: [{tee: sandbox, measurement: \(Self.m48)}]  # after a flow mapping
                receipts: 'optional'  # after a single-quoted value
                """)
        #expect(m.purpose == "partner #2 only")
        #expect(m.maxGrants == 1)
        // A # not preceded by a blank is text, not a comment.
        #expect(try LeaseManifest(yaml: Self.yaml("", purpose: "partner#2 only")).purpose == "partner#2 only")
        // In a flow list the value ends at the bracket, before the comment.
        let flow = Self.yaml("").replacingOccurrences(of: "keys: [k1]", with: "keys: [k1]   # the only key")
        #expect(try LeaseManifest(yaml: flow).keys == ["k1"])
    }

    // MARK: M5.2: an empty value vanishes

    @Test(arguments: [
        "notBefore:    # fill in later", "notBefore:", "notBefore: ~", "notBefore: null", "notBefore: NULL  # x",
        "notBefore: !!null ''", "receipts:", "broker: ~", "issueBefore: null", "suite:",
    ])
    func anEmptyValueIsRefusedNotTakenAsAbsent(_ line: String) throws {
        let e = try #require(Self.refusal(Self.yaml(line)), "accepted: \(line)")
        #expect(e.path == String(line.prefix(while: { $0 != ":" })))
        #expect(e.message.contains("the value is empty (null): delete the line to leave the field out, or fill it in"))
    }

    @Test func emptyValuesAreRefusedAtEveryLevelAndInJSON() throws {
        let hostData = try #require(Self.refusal(ManifestFixtures.header + "  - tee: sev-snp\n    measurement: \(Self.m48)\n    hostData:\n"))
        #expect(hostData.path == "workloads[0].hostData")
        #expect(hostData.message.contains("delete the line"))
        let tcb = try #require(
            Self.refusal(
                ManifestFixtures.header
                    + "  - tee: sev-snp\n    measurement: \(Self.m48)\n    minimumReportedTcb: {bootloader: 1, tee: 1, snp: 1, microcode: 1, fmc: ~}\n"
            ))
        #expect(tcb.path == "workloads[0].minimumReportedTcb.fmc")
        let item = try #require(Self.refusal(Self.yaml("").replacingOccurrences(of: "keys: [k1]", with: "keys:\n  - k1\n  -\n")))
        #expect(item.path == "keys[1]")
        #expect(item.message.contains("empty"))
        #expect(throws: ManifestError.self) {
            try LeaseManifest(
                json:
                    #"{"owner":"acme","leaseId":"y8","purpose":"test","notBefore":null,"ttl":"30d","maxGrants":1,"keys":["k1"],"workloads":[{"tee":"sandbox","measurement":"\#(Self.m48)"}]}"#
            )
        }
    }

    @Test func anEmptyRequiredFieldSaysEmptyNotMissing() throws {
        let e = try #require(Self.refusal(Self.yaml("").replacingOccurrences(of: "purpose: test", with: "purpose:")))
        #expect(e.path == "purpose")
        #expect(e.message.contains("empty"))
    }

    // MARK: L1: leading zeros

    @Test(arguments: ["010", "!!int \"010\"", "0777", "00", "!!int '01'"])
    func maxGrantsWithALeadingZeroIsRefused(_ written: String) throws {
        let e = try #require(Self.refusal(Self.yaml("", maxGrants: written)), "accepted maxGrants: \(written)")
        #expect(e.path == "maxGrants")
        #expect(e.message.contains("leading zero"))
        #expect(e.message.contains("octal"))
    }

    @Test func leadingZerosAreRefusedInEveryIntegerField() throws {
        let snp = "  - tee: sev-snp\n    measurement: \(Self.m48)\n"
        let tcb = "    minimumReportedTcb: {bootloader: 3, tee: 0, snp: 8, microcode: 115}\n"
        #expect(Self.refusal(ManifestFixtures.header + snp + tcb) == nil)
        #expect(Self.refusal(ManifestFixtures.header + snp + "    maxVmpl: 0\n") == nil)
        #expect(Self.refusal(ManifestFixtures.header + snp + "    maxVmpl: 01\n")?.path == "workloads[0].maxVmpl")
        #expect(
            Self.refusal(ManifestFixtures.header + snp + tcb.replacingOccurrences(of: "snp: 8", with: "snp: 08"))?.path
                == "workloads[0].minimumReportedTcb.snp")
        let sgx = "  - tee: sgx\n    mrEnclave: \(String(repeating: "cd", count: 32))\n"
        #expect(Self.refusal(ManifestFixtures.header + sgx + "    minimumIsvSvn: 0\n") == nil)
        #expect(Self.refusal(ManifestFixtures.header + sgx + "    minimumIsvSvn: 010\n")?.path == "workloads[0].minimumIsvSvn")
        #expect(try LeaseManifest(yaml: Self.yaml("", maxGrants: "10")).maxGrants == 10)
    }

    // MARK: M5 fix: the rendering

    static func allFieldsManifest() throws -> LeaseManifest {
        func bytes(_ b: UInt8, _ n: Int) -> [UInt8] { [UInt8](repeating: b, count: n) }
        return LeaseManifest(
            owner: "acme", leaseId: "y18", purpose: reviewPurpose,
            notBefore: ManifestTime.parse("2027-01-01T00:00:00+14:00"), expiry: .ttl(try #require(LeaseManifest.Duration("2h"))),
            maxGrants: 7, keys: ["k1", "k2"],
            workloads: [
                .sevSNP(
                    SNPWorkload(
                        policy: SNPPolicy(
                            measurement: bytes(0x11, 48), hostData: bytes(0x12, 32), idKeyDigest: bytes(0x13, 48),
                            minimumReportedTCB: .init(bootloader: 3, tee: 1, snp: 8, microcode: 115, fmc: 2), allowDebug: true, maxVMPL: 1))),
                .tdx(
                    TDXWorkload(
                        policy: TDXPolicy(
                            mrTd: bytes(0x21, 48), rtmrs: [0: bytes(0x30, 48), 1: bytes(0x31, 48), 2: bytes(0x32, 48), 3: bytes(0x33, 48)],
                            mrConfigId: bytes(0x22, 48), minimumTeeTcbSvn: bytes(0x23, 16), allowDebug: false,
                            acceptedTCBStatuses: ["UpToDate", "SWHardeningNeeded"]))),
                .sgx(
                    SGXWorkload(
                        policy: SGXPolicy(
                            mrEnclave: bytes(0x41, 32), mrSigner: bytes(0x42, 32), isvProdId: 9, minimumIsvSvn: 4, allowDebug: false,
                            acceptedTCBStatuses: ["UpToDate"]))),
                .nitro(
                    NitroWorkload(
                        policy: NitroPolicy(
                            pcr0: bytes(0x50, 48), pcr1: bytes(0x51, 48), pcr2: bytes(0x52, 48), pcr3: bytes(0x53, 48),
                            pcr4: bytes(0x54, 48), pcr8: bytes(0x58, 48), allowDebug: false))),
                .sandbox(SandboxWorkload(measurement: bytes(0x5a, 48))),
            ],
            receipts: .required, broker: "leasehold-log+0a1b2c3d+AQID", issueBefore: ManifestTime.parse("2026-12-31T00:00:00Z"),
            suite: "xwing-sha256-aes256gcm")
    }

    @Test func theRenderingStatesEveryTopLevelFieldTheJSONAndTheDigest() throws {
        let m = try Self.allFieldsManifest()
        let text = m.plainDescription
        #expect(text.contains("  purpose: \"\(Self.reviewPurpose)\"\n"))
        #expect(text.contains("  owner: acme "))
        #expect(text.contains("  leaseId: y18\n"))
        // +14:00 shown in UTC, and the end of a ttl counted from it.
        #expect(text.contains("  notBefore: 2026-12-31T10:00:00Z (UTC)"))
        #expect(text.contains("  ttl: 2h: the lease ends 2 hours after it starts, at 2026-12-31T12:00:00Z (UTC)"))
        #expect(text.contains("  issueBefore: 2026-12-31T00:00:00Z (UTC)"))
        #expect(text.contains("  broker: leasehold-log+0a1b2c3d+AQID: only the broker with this log key may issue the lease"))
        #expect(text.contains("  maxGrants: 7: the keys are released at most 7 times in all"))
        #expect(text.contains("  keys: k1, k2 (2 vault keys"))
        #expect(text.contains("  receipts: required"))
        #expect(text.contains("  suite: xwing-sha256-aes256gcm"))
        #expect(text.contains("  workloads: 5 entries"))
        #expect(text.contains("\n" + String(decoding: m.canonicalJSON, as: UTF8.self) + "\n"))
        #expect(text.contains("SHA-256 digest (the lease's name in the log and in the workload's evidence): \(Hex.encode(m.digest))\n"))
    }

    @Test func theRenderingListsEveryFieldOfEveryWorkloadEntry() throws {
        let m = try Self.allFieldsManifest()
        let text = m.plainDescription
        for (i, w) in m.workloads.enumerated() {
            #expect(text.contains("  workloads[\(i)]: tee \(w.tee.rawValue) ("))
            let fields = w.requirement.fields
            let described = Set(WorkloadEntry.schema(w.tee).fields.map(\.name))
            for (name, value) in fields {
                // Every canonical field has words (a new field must be given some) ...
                #expect(described.contains(name), "\(w.tee.rawValue).\(name) has no description")
                // ... and is shown with its value.
                #expect(text.contains("    \(name): \(WorkloadEntry.show(value)) ("), "\(w.tee.rawValue).\(name) not shown")
            }
        }
        #expect(text.contains("    measurement: \(String(repeating: "11", count: 48)) (MEASUREMENT, the VM's launch digest, must be exactly this)"))
        #expect(text.contains("    allowDebug: true (DEBUG ALLOWED"))
        #expect(text.contains("    minimumReportedTcb: bootloader >= 3, fmc >= 2, microcode >= 115, snp >= 8, tee >= 1 ("))
        #expect(text.contains("    acceptTcb: UpToDate, SWHardeningNeeded ("))
        #expect(text.contains("    rtmr3: \(String(repeating: "33", count: 48)) ("))
        #expect(text.contains("    minimumIsvSvn: 4 (ISVSVN, the enclave's security version, must be at least 4)"))
        #expect(text.contains("    pcr8: \(String(repeating: "58", count: 48)) ("))
        #expect(text.contains("    INSECURE: sandbox evidence"))
    }

    @Test func theRenderingSaysWhatAnAbsentFieldMeans() throws {
        let m = try LeaseManifest(yaml: ManifestFixtures.header + "  - tee: sev-snp\n    measurement: \(Self.m48)\n")
        let text = m.plainDescription
        #expect(text.contains("  notBefore: not set: the lease starts from the moment it is issued"))
        #expect(text.contains("  ttl: 1h: the lease ends 1 hour after it starts (counted from its issue)"))
        #expect(text.contains("  issueBefore: not set"))
        #expect(text.contains("  broker: not set: any broker where acme is registered may issue the lease"))
        #expect(text.contains("  suite: not set"))
        #expect(text.contains("  receipts: optional"))
        #expect(text.contains("    hostData: not set: any value is accepted (not checked)"))
        #expect(text.contains("    maxVmpl: not set: a report requested at any VMPL is accepted"))
        #expect(text.contains("    minimumReportedTcb: not set: any firmware version is accepted"))
        #expect(text.contains("    allowDebug: false (a TEE in debug mode is refused)"))
        let notAfter = try LeaseManifest(yaml: Self.yaml("").replacingOccurrences(of: "ttl: 30d", with: "notAfter: 2027-01-01T00:00:00+14:00"))
        #expect(notAfter.plainDescription.contains("  notAfter: 2026-12-31T10:00:00Z (UTC): no key is released at or after this moment"))
    }

    @Test func textThatDoesNotPrintIsShownAsEscapes() throws {
        var m = try LeaseManifest(yaml: Self.yaml(""))
        m.purpose = "Training only\u{202E}tropxe on\u{200B}\nline two \u{00A0}\"quoted\" \\ Données"
        let text = m.plainDescription
        #expect(text.contains(#"  purpose: "Training only\u{202E}tropxe on\u{200B}\nline two \u{A0}\"quoted\" \\ Données""#))
        #expect(!text.contains("\u{202E}"))
        #expect(!text.contains("\u{200B}"))
        #expect(text.contains(#"Training only\u202etropxe on\u200b\nline two \u00a0\"quoted\" \\ Données"#))
        #expect(text.contains("characters that do not print are shown as \\u escapes"))
        #expect(text.contains(Hex.encode(m.digest)))
        // Plain text is not marked.
        let plain = try LeaseManifest(yaml: Self.yaml(""))
        #expect(!plain.plainDescription.contains("do not print"))
    }

    @Test func theExampleManifestsRenderWholeWithTheirPurpose() throws {
        for name in ["sandbox.yaml", "sev-snp.yaml", "tdx.yaml", "sgx.yaml", "nitro.yaml"] {
            let m = try ExampleManifestTests.read(name)
            let text = m.plainDescription
            #expect(text.contains("  purpose: \"\(m.purpose)\""), "\(name)")
            #expect(text.contains(Hex.encode(m.digest)), "\(name)")
        }
    }
}
