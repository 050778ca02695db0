import LeaseholdTestSupport
import Foundation
import Testing
@testable import Attestation

/// Every input the fuzzers (fuzz/run.sh) made crash a parser, kept minimized in
/// fuzz/crashes/TARGET/, fed again to that parser: each must now be refused with a thrown
/// AttestationError, not trap and not parse.
struct FuzzCrashTests {
    static let crashes = TestPaths.inRepository("fuzz/crashes")

    static func inputs(_ target: String) throws -> [(String, [UInt8])] {
        let dir = crashes.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        return try names.map { ($0, [UInt8](try Data(contentsOf: dir.appendingPathComponent($0)))) }
    }

    /// C1 as the `crl` fuzzer found it: Intel's root CA CRL with version INTEGER 0x7FFF…FF.
    @Test func crlCrashesAreMalformedCRLs() throws {
        let inputs = try Self.inputs("crl")
        #expect(!inputs.isEmpty)
        for (name, bytes) in inputs {
            #expect(throws: AttestationError.self, "fuzz/crashes/crl/\(name)") { try CertificateRevocationList.parse(der: bytes) }
        }
    }

    /// The `log-entry` fuzzer's ICU SIGFPE (a long fraction in a malformed date), carried as a
    /// TCB info's issueDate: before the fix `ISO8601DateFormatter` trapped inside the
    /// collateral parser, before any signature check. Now the date is refused.
    @Test func dcapCollateralCrashesAreRefused() throws {
        let inputs = try Self.inputs("dcap-collateral")
        #expect(!inputs.isEmpty)
        for (name, bytes) in inputs {
            #expect(throws: AttestationError.self, "fuzz/crashes/dcap-collateral/\(name)") { _ = try DCAPCollateral.recognise([bytes]) }
        }
    }

    /// C1 as the `amd-certificate` fuzzer found it: AMD's ASK with [0] version 0x7FFF…FF.
    @Test func amdCertificateCrashesAreRefusedCertificates() throws {
        let inputs = try Self.inputs("amd-certificate")
        #expect(!inputs.isEmpty)
        for (name, bytes) in inputs {
            #expect(throws: AttestationError.self, "fuzz/crashes/amd-certificate/\(name)") { try AMDCertificate(derEncoded: bytes) }
            #expect(throws: AttestationError.self, "fuzz/crashes/amd-certificate/\(name) via derDocuments") {
                for der in try AMDCertificate.derDocuments(in: bytes).certificates { _ = try AMDCertificate(derEncoded: der) }
            }
        }
    }
}
