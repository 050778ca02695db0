import LeaseholdAPI
import Attestation
import Foundation
import Testing
import TransparencyLog
@testable import LeaseholdCore

@Suite("Policy matching with real evidence")
struct PolicyMatcherTests {
    static func manifest(_ workloads: String) throws -> LeaseManifest {
        try LeaseManifest(yaml: ManifestFixtures.header + workloads)
    }

    static func code(_ r: Result<PolicyMatcher.Match, LeaseRefusal>) -> String {
        switch r {
        case .success(let m): return "match \(m.index)"
        case .failure(let f): return f.code.rawValue
        }
    }

    static let other48 = String(repeating: "00", count: 48)

    @Test func milanReportMatchesItsMeasurementOnly() throws {
        let (claims, e) = try RealEvidence.snp()
        let measurement = try #require(e["measurement"] as? String)
        let right = try Self.manifest("  - tee: sev-snp\n    measurement: \(measurement)\n")
        let wrong = try Self.manifest("  - tee: sev-snp\n    measurement: \(Self.other48)\n")
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: right)) == "match 0")
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: wrong)) == "measurement-mismatch")
    }

    @Test func milanReportIsCheckedAgainstTCBAndIdentityFields() throws {
        let (claims, e) = try RealEvidence.snp()
        let measurement = try #require(e["measurement"] as? String)
        let details = try #require(e["details"] as? [String: Any])
        let idKey = try #require(details["id_key_digest"] as? String)
        let tcb = try #require(details["reported_tcb"] as? [String: Int])
        let bl = try #require(tcb["bl"]), snp = try #require(tcb["snp"]), ucode = try #require(tcb["ucode"])
        let exact = try Self.manifest(
            """
              - tee: sev-snp
                measurement: \(measurement)
                idKeyDigest: \(idKey)
                maxVmpl: 0
                minimumReportedTcb: {bootloader: \(bl), tee: 0, snp: \(snp), microcode: \(ucode)}

            """)
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: exact)) == "match 0")
        let newer = try Self.manifest(
            """
              - tee: sev-snp
                measurement: \(measurement)
                minimumReportedTcb: {bootloader: \(bl), tee: 0, snp: \(snp), microcode: \(ucode + 1)}

            """)
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: newer)) == "tcb-too-low")
    }

    @Test func theMostSpecificRefusalOfAllEntriesIsReported() throws {
        let (claims, e) = try RealEvidence.snp()
        let measurement = try #require(e["measurement"] as? String)
        let m = try Self.manifest(
            """
              - tee: tdx
                mrTd: \(Self.other48)
              - tee: sev-snp
                measurement: \(Self.other48)
              - tee: sev-snp
                measurement: \(measurement)
                minimumReportedTcb: {bootloader: 255, tee: 0, snp: 0, microcode: 0}
              - tee: sev-snp
                measurement: \(Self.other48)

            """)
        let result = PolicyMatcher().matchWorkload(claims, manifest: m)
        #expect(Self.code(result) == "tcb-too-low")
        if case .failure(let f) = result { #expect(f.reason.hasPrefix("workloads[2]")) }
        // An entry further down that matches wins over earlier refusals.
        let withMatch = try Self.manifest(
            """
              - tee: sev-snp
                measurement: \(Self.other48)
              - tee: sev-snp
                measurement: \(measurement)

            """)
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: withMatch)) == "match 1")
    }

    @Test func aTEETheManifestDoesNotNameIsRefused() throws {
        let (claims, _) = try RealEvidence.snp()
        let m = try Self.manifest("  - tee: tdx\n    mrTd: \(Self.other48)\n  - tee: sandbox\n    measurement: \(Self.other48)\n")
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: m)) == "tee-not-allowed")
    }

    @Test func realReportDataDoesNotBindAnotherRequest() throws {
        let (claims, e) = try RealEvidence.snp()
        let measurement = try #require(e["measurement"] as? String)
        let m = try Self.manifest("  - tee: sev-snp\n    measurement: \(measurement)\n")
        let binding = LeaseBinding(
            nonce: Array(repeating: 7, count: 32), suiteID: "x25519-sha256-aes256gcm",
            publicKey: Array(repeating: 1, count: 32), owner: "acme", leaseID: "l1", manifestDigest: m.digest)
        #expect(Self.code(PolicyMatcher().match(claims, manifest: m, terms: PolicyBindingTests.terms, binding: binding)) == "report-data-mismatch")
    }

    @Test func tdxDebugAndOutOfDateAreRefusedUnlessAllowed() throws {
        let (claims, e) = try RealEvidence.dcap("tdx-trustee-q4-debug-50806f", tee: .tdx)
        let mrTd = try #require(e["measurement"] as? String)
        let strict = try Self.manifest("  - tee: tdx\n    mrTd: \(mrTd)\n")
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: strict)) == "debug-not-allowed")
        let debugOK = try Self.manifest("  - tee: tdx\n    mrTd: \(mrTd)\n    allowDebug: true\n")
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: debugOK)) == "tcb-status-not-accepted")
        let both = try Self.manifest("  - tee: tdx\n    mrTd: \(mrTd)\n    allowDebug: true\n    acceptTcb: [UpToDate, OutOfDate]\n")
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: both)) == "match 0")
    }

    @Test func tdxMatchesRTMRsAndMinimumTeeTcbSvn() throws {
        let (claims, e) = try RealEvidence.dcap("tdx-phala-b0c06f", tee: .tdx)
        let d = try #require(e["details"] as? [String: Any])
        let mrTd = try #require(e["measurement"] as? String)
        let rtmr1 = try #require(d["rtmr1"] as? String)
        let svn = try #require(d["tee_tcb_svn"] as? String)
        let good = try Self.manifest("  - tee: tdx\n    mrTd: \(mrTd)\n    rtmr1: \(rtmr1)\n    minimumTeeTcbSvn: \"\(svn)\"\n")
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: good)) == "match 0")
        let wrongRTMR = try Self.manifest("  - tee: tdx\n    mrTd: \(mrTd)\n    rtmr1: \(Self.other48)\n")
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: wrongRTMR)) == "measurement-mismatch")
        let higher = "ff" + svn.dropFirst(2)
        let tooLow = try Self.manifest("  - tee: tdx\n    mrTd: \(mrTd)\n    minimumTeeTcbSvn: \"\(higher)\"\n")
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: tooLow)) == "tcb-too-low")
    }

    @Test func sgxMatchesBySignerAndProductWithTheAcceptedStatus() throws {
        let (claims, e) = try RealEvidence.dcap("sgx-phala-00a067110000", tee: .sgx)
        let d = try #require(e["details"] as? [String: Any])
        let signer = try #require(d["mrsigner"] as? String)
        let prod = try #require(d["isv_prodid"] as? Int)
        let base = "  - tee: sgx\n    mrSigner: \(signer)\n    isvProdId: \(prod)\n"
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: try Self.manifest(base))) == "tcb-status-not-accepted")
        let accepting = try Self.manifest(base + "    acceptTcb: [UpToDate, ConfigurationAndSWHardeningNeeded]\n")
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: accepting)) == "match 0")
        let otherProduct = try Self.manifest(
            "  - tee: sgx\n    mrSigner: \(signer)\n    isvProdId: \(prod + 1)\n    acceptTcb: [ConfigurationAndSWHardeningNeeded]\n")
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: otherProduct)) == "measurement-mismatch")
        let newerSvn = try Self.manifest(base + "    minimumIsvSvn: 1\n    acceptTcb: [ConfigurationAndSWHardeningNeeded]\n")
        #expect(Self.code(PolicyMatcher().matchWorkload(claims, manifest: newerSvn)) == "tcb-too-low")
    }
}

/// Claims of a development TEE, built in the test: the binding path needs evidence whose
/// report data the test chooses, which real vectors cannot have.
struct TestClaims: TEEClaims {
    var tee: TEE
    var measurement: [UInt8]
    var reportData: [UInt8]
    var debug = false
    var nonce: [UInt8]?
    var publicKey: [UInt8]?
}

@Suite("Policy matching: binding and sandbox")
struct PolicyBindingTests {
    static let measurement = [UInt8](repeating: 0xab, count: 48)
    static let manifest = try! LeaseManifest(yaml: ManifestFixtures.yaml())
    static var binding: LeaseBinding {
        LeaseBinding(
            nonce: Array(repeating: 9, count: 32), suiteID: "x25519-sha256-aes256gcm", publicKey: Array(repeating: 2, count: 32),
            owner: manifest.owner, leaseID: manifest.leaseId, manifestDigest: manifest.digest)
    }
    static let terms = PolicyMatcher.Terms(suite: "x25519-sha256-aes256gcm", signingKey: nil)

    @Test func boundSandboxEvidenceMatchesOnlyWithAllowSandbox() {
        let claims = TestClaims(tee: .sandbox, measurement: Self.measurement, reportData: Self.binding.reportData)
        #expect(
            PolicyMatcherTests.code(
                PolicyMatcher(allowSandbox: true).match(claims, manifest: Self.manifest, terms: Self.terms, binding: Self.binding)) == "match 0")
        #expect(
            PolicyMatcherTests.code(
                PolicyMatcher(allowSandbox: false).match(claims, manifest: Self.manifest, terms: Self.terms, binding: Self.binding))
                == "tee-not-allowed")
    }

    @Test func anyChangeToTheRequestBreaksTheBinding() {
        let claims = TestClaims(tee: .sandbox, measurement: Self.measurement, reportData: Self.binding.reportData)
        var otherKey = Self.binding
        otherKey.publicKey[0] ^= 1
        #expect(
            PolicyMatcherTests.code(PolicyMatcher(allowSandbox: true).match(claims, manifest: Self.manifest, terms: Self.terms, binding: otherKey))
                == "report-data-mismatch")
        var otherNonce = Self.binding
        otherNonce.nonce[31] ^= 0x80
        #expect(
            PolicyMatcherTests.code(PolicyMatcher(allowSandbox: true).match(claims, manifest: Self.manifest, terms: Self.terms, binding: otherNonce))
                == "report-data-mismatch")
    }

    @Test func wrongSandboxMeasurementIsRefused() {
        var m = Self.measurement
        m[47] ^= 1
        let claims = TestClaims(tee: .sandbox, measurement: m, reportData: Self.binding.reportData)
        #expect(
            PolicyMatcherTests.code(
                PolicyMatcher(allowSandbox: true).match(claims, manifest: Self.manifest, terms: Self.terms, binding: Self.binding))
                == "measurement-mismatch")
    }

    @Test func nitroNonceAndPublicKeyFieldsMustCarryTheRequest() {
        let b = Self.binding
        let good = TestClaims(tee: .nitro, measurement: Self.measurement, reportData: b.reportData, nonce: b.nonce, publicKey: b.publicKey)
        #expect(PolicyMatcher.checkBinding(good, b) == nil)
        var wrongNonce = good
        wrongNonce.nonce = Array(repeating: 0, count: 32)
        #expect(PolicyMatcher.checkBinding(wrongNonce, b)?.code == .reportDataMismatch)
        var noKey = good
        noKey.publicKey = nil
        #expect(PolicyMatcher.checkBinding(noKey, b)?.code == .reportDataMismatch)
    }

    /// X-Wing on Nitro: the 1216-byte key cannot travel in public_key (NSM takes 1024 bytes),
    /// so user_data's binding covers it and public_key must be empty.
    @Test func nitroTakesAnXWingKeyThroughTheBindingAlone() {
        var b = Self.binding
        b.suiteID = "xwing-sha256-aes256gcm"
        b.publicKey = Array(repeating: 3, count: 1216)
        var claims = TestClaims(tee: .nitro, measurement: Self.measurement, reportData: b.reportData, nonce: b.nonce, publicKey: nil)
        #expect(PolicyMatcher.checkBinding(claims, b) == nil)
        claims.publicKey = Array(repeating: 4, count: 32)
        #expect(PolicyMatcher.checkBinding(claims, b)?.code == .reportDataMismatch)
        var other = b
        other.publicKey[0] ^= 1
        claims.publicKey = nil
        #expect(PolicyMatcher.checkBinding(claims, other)?.code == .reportDataMismatch)
    }

    /// The broker's order (PROTOCOL.md §13, 8-12): the workload entry first, then the
    /// request's terms, the binding last; each refusal below also has every later fault.
    @Test func theWorkloadDecidesBeforeTheTermsAndTheTermsBeforeTheBinding() throws {
        var broken = Self.binding
        broken.nonce[0] ^= 1
        var wrong = Self.measurement
        wrong[0] ^= 1
        let matcher = PolicyMatcher(allowSandbox: true)
        let pq = try LeaseManifest(yaml: ManifestFixtures.yaml(extra: "suite: xwing-sha256-aes256gcm"))
        let claims = TestClaims(tee: .sandbox, measurement: Self.measurement, reportData: Self.binding.reportData)
        let wrongSoftware = TestClaims(tee: .sandbox, measurement: wrong, reportData: Self.binding.reportData)
        // Wrong software, wrong suite, broken binding: the software is named.
        #expect(PolicyMatcherTests.code(matcher.match(wrongSoftware, manifest: pq, terms: Self.terms, binding: broken)) == "measurement-mismatch")
        // Right software, wrong suite, broken binding: the suite is named.
        #expect(PolicyMatcherTests.code(matcher.match(claims, manifest: pq, terms: Self.terms, binding: broken)) == "suite-not-allowed")
        // Right software and suite, broken binding: the binding is named.
        let xwing = PolicyMatcher.Terms(suite: "xwing-sha256-aes256gcm", signingKey: .mlDSA65)
        #expect(PolicyMatcherTests.code(matcher.match(claims, manifest: pq, terms: xwing, binding: broken)) == "report-data-mismatch")
        #expect(PolicyMatcherTests.code(matcher.match(claims, manifest: pq, terms: xwing, binding: Self.binding)) == "match 0")
    }

    @Test func theTermsFollowTheLease() throws {
        let pq = try LeaseManifest(yaml: ManifestFixtures.yaml(extra: "suite: xwing-sha256-aes256gcm"))
        let receipts = try LeaseManifest(yaml: ManifestFixtures.yaml(extra: "receipts: required"))
        let classic = PolicyMatcher.Terms(suite: "x25519-sha256-aes256gcm", signingKey: .ed25519)
        #expect(PolicyMatcher.checkTerms(classic, manifest: Self.manifest) == nil)
        #expect(PolicyMatcher.checkTerms(Self.terms, manifest: Self.manifest) == nil)
        #expect(PolicyMatcher.checkTerms(Self.terms, manifest: receipts)?.code == .badRequest)
        #expect(PolicyMatcher.checkTerms(classic, manifest: receipts) == nil)
        #expect(PolicyMatcher.checkTerms(classic, manifest: pq)?.code == .suiteNotAllowed)
        // Post-quantum transport with a classical receipt signature is refused; with none, not.
        #expect(PolicyMatcher.checkTerms(.init(suite: "xwing-sha256-aes256gcm", signingKey: .ed25519), manifest: pq)?.code == .suiteNotAllowed)
        #expect(PolicyMatcher.checkTerms(.init(suite: "xwing-sha256-aes256gcm", signingKey: nil), manifest: pq) == nil)
    }
}
