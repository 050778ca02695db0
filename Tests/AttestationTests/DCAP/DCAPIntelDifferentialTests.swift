import Foundation
import Testing
@testable import Attestation

/// Per real vector, the verdict Intel's Quote Verification Library gives for the same bytes
/// and collateral at valid_at, worked out by hand from its code
/// (intel/SGX-TDX-DCAP-QuoteVerificationLibrary, Src/AttestationLibrary/src/Verifiers:
/// QuoteVerifier.cpp, Checks/TcbLevelCheck.cpp, Checks/TdxModuleCheck.cpp,
/// Checks/TDRelaunchCheck.cpp, EnclaveReportVerifier.cpp), each step in a comment; ours must
/// equal it. Values are read from the vector files (EXPECTED.json `details` lists the PCK's).
@Suite("DCAP verdicts equal Intel's QVL on every real vector")
struct DCAPIntelDifferentialTests {
    struct IntelVerdict: Sendable, CustomStringConvertible {
        var id: String
        var status: DCAPTCBStatus
        var tcbLevelStatus: DCAPTCBStatus
        var moduleIdentity: String?
        var moduleStatus: DCAPTCBStatus?
        var advisoryIds: [String]
        var description: String { id }
    }

    static let verdicts: [IntelVerdict] = [
        // tdx-phala-b0c06f (quote v4, TD 1.0 body), TCB info TDX FMSPC B0C06F000000 eval 17.
        // 4.1.2.4.11: TEE_TCB_SVN = 06 01 03 00.. -> major version TEE_TCB_SVN[1] = 1 > 0, so the
        //   identity "TDX_01" (present) replaces tdxModule: mrsigner 00x48 == MRSIGNERSEAM 00x48;
        //   SEAMATTRIBUTES 00x8 are zero and equal attributes 0000000000000000.
        // 4.1.2.4.14-16: TD_QE identity, QE ISVSVN 6 >= level isvsvn 4 (UpToDate) -> QE STATUS_OK.
        // 4.1.2.4.17 matchTcbLevels: PCK SGX components 03 03 02 02 04 01 00 05 .., PCESVN 11.
        //   Level 1 (2024-03-13, UpToDate): SGX [2,2,2,2,3,1,0,5,0..] met, PCESVN 11 >= 11 -> SGX
        //   level. isTdxTcbHigherOrEqual from index 2 (major > 0): 03 00.. >= [2,0,..] -> TDX level
        //   = level 1, UpToDate, no advisories.
        // checkTdxModuleTcbStatus: TDX_01 levels by ISVSVN [4 UpToDate, 2 OutOfDate]; module SVN
        //   TEE_TCB_SVN[0] = 6 >= 4 -> UpToDate.
        // convergeTcbStatusWithTdxModuleStatus(UpToDate, UpToDate) = UpToDate. Body type 2 (not
        //   TD 1.5): no relaunch check. convergeTcbStatusWithQeTcbStatus(UpToDate, OK) = UpToDate.
        IntelVerdict(
            id: "tdx-phala-b0c06f", status: .upToDate, tcbLevelStatus: .upToDate,
            moduleIdentity: "TDX_01", moduleStatus: .upToDate, advisoryIds: []),
        // tdx-trustee-q4-debug-50806f (quote v4, TD 1.0 body), TCB info TDX FMSPC 50806F000000 eval 18.
        // 4.1.2.4.11: TEE_TCB_SVN = 03 00 05 00.. -> major version 0: tdxModule applies,
        //   mrsigner 00x48 == MRSIGNERSEAM, SEAMATTRIBUTES zero == attributes.
        // QE: TD_QE ISVSVN 4 >= 4 (UpToDate) -> OK.
        // matchTcbLevels: PCK SGX components 05 05 0d 02 03 01 00 03 .., PCESVN 11.
        //   2024-11-13 [8,8,..], 2024-03-13 [7,7,..], 2023-08-09 [6,6,..]: component 0 (5) too low.
        //   2023-02-15 [5,5,2,2,3,1,0,3] PCESVN 11: met -> SGX level (OutOfDate). TDX components
        //   from index 0 (major 0): 03 00 05 >= [3,0,5] -> TDX level = 2023-02-15, OutOfDate,
        //   11 advisories.
        // checkTdxModuleTcbStatus: quote version 4 > 3 and major 0 -> STATUS_OK (no identity).
        // Converge with module OK: OutOfDate. No TD 1.5. Converge with QE OK: OutOfDate.
        IntelVerdict(
            id: "tdx-trustee-q4-debug-50806f", status: .outOfDate, tcbLevelStatus: .outOfDate,
            moduleIdentity: nil, moduleStatus: nil,
            advisoryIds: [
                "INTEL-SA-00837", "INTEL-SA-00960", "INTEL-SA-00982", "INTEL-SA-00986",
                "INTEL-SA-01010", "INTEL-SA-01036", "INTEL-SA-01076", "INTEL-SA-01079",
                "INTEL-SA-01099", "INTEL-SA-01103", "INTEL-SA-01111",
            ]),
        // sgx-phala-00a067110000 (quote v3), TCB info SGX FMSPC 00A067110000.
        // QE identity "QE": QE ISVSVN 10 >= 8 (UpToDate) -> OK.
        // matchTcbLevels (SGX branch): PCK SGX components 0b 0b 02 02 ff 01 00 00 .., PCESVN 13.
        //   Level [11,11,2,2,255,1,12,..] PCESVN 13: component 6 (0 < 12) too low. Next,
        //   [11,11,2,2,255,1,0,..] PCESVN 13: met -> ConfigurationAndSWHardeningNeeded (2024-03-13,
        //   INTEL-SA-00289, INTEL-SA-00615).
        // convergeTcbStatusWithQeTcbStatus(ConfigurationAndSWHardeningNeeded, OK) = unchanged.
        IntelVerdict(
            id: "sgx-phala-00a067110000", status: .configurationAndSWHardeningNeeded,
            tcbLevelStatus: .configurationAndSWHardeningNeeded, moduleIdentity: nil, moduleStatus: nil,
            advisoryIds: ["INTEL-SA-00289", "INTEL-SA-00615"]),
        // sgx-oasis-00606a000000 (quote v3), TCB info SGX FMSPC 00606A000000.
        // QE identity "QE": QE ISVSVN 9 >= 6 (UpToDate) -> OK.
        // matchTcbLevels: PCK SGX components 07 09 03 03 ff ff 01 00 .., PCESVN 13. First level
        //   [7,9,3,3,255,255,1,..] PCESVN 13: met -> SWHardeningNeeded (2022-08-10,
        //   INTEL-SA-00615, INTEL-SA-00657). Converge with QE OK: unchanged.
        IntelVerdict(
            id: "sgx-oasis-00606a000000", status: .swHardeningNeeded, tcbLevelStatus: .swHardeningNeeded,
            moduleIdentity: nil, moduleStatus: nil, advisoryIds: ["INTEL-SA-00615", "INTEL-SA-00657"]),
    ]

    @Test("every real vector is covered")
    func coversEveryVector() {
        #expect(Set(Self.verdicts.map(\.id)) == Set(DCAPSample.ids))
    }

    @Test("our verdict equals Intel's", arguments: verdicts)
    func equalsIntel(_ intel: IntelVerdict) throws {
        let sample = try DCAPSample.load(intel.id)
        let claims = try sample.verifier().verify(sample.evidence, at: sample.validAt)
        #expect(claims.tcbStatus == intel.status.rawValue)
        #expect(sample.computed["status"] as? String == intel.status.rawValue)  // and EXPECTED.json agrees
        switch claims {
        case let tdx as TDXClaims:
            #expect(tdx.tcbLevelStatus == intel.tcbLevelStatus)
            #expect(tdx.tdxModuleIdentity == intel.moduleIdentity)
            #expect(tdx.tdxModuleStatus == intel.moduleStatus)
            #expect(!tdx.relaunchAdvised && tdx.teeTcbSvn2 == nil)
            #expect(tdx.advisoryIds == intel.advisoryIds)
        case let sgx as SGXClaims:
            #expect(sgx.advisoryIds == intel.advisoryIds)
        default:
            Issue.record("not a DCAP claim: \(claims)")
        }
    }

    /// Issue #11 on real bytes: the B0C06F platform's genuine TCB info, PCK and TD body, with the
    /// module SVN (TEE_TCB_SVN[0]) lowered from 6 to 5 and then 4. Intel: major version 1, so the
    /// TDX components are compared from index 2 (03 >= 2: level 2024-03-13, UpToDate) and the
    /// module SVN against TDX_01 [4 UpToDate, 2 OutOfDate]: 5 and 4 are UpToDate -> UpToDate.
    /// Compared from index 0, as before, 4 < 5 (component 0 of every level) matched no level.
    @Test("the B0C06F platform with module SVN 5 or 4 is UpToDate, as Intel's QVL says (issue #11)")
    func issueElevenOnRealCollateral() throws {
        let collateral = try DCAPCollateral.recognise([try Vectors.bytes("tdx/phala-dcap-qvl/tdx_quote_collateral.json")])
        let info = try #require(collateral.tcbInfos.first?.value)
        let sample = try DCAPSample.load("tdx-phala-b0c06f")
        let quote = try DCAPQuote.parse(sample.quote)
        guard case .td(var body) = quote.body else { Issue.record("not a TD quote"); return }
        let certs = try DCAPCache().pckChain(quote.signatureData.pckChainPEM)
        let pck = try PCKExtensions.parse(try #require(certs.first))
        let verifier = try sample.verifier()
        for moduleSVN: UInt8 in [6, 5, 4] {
            body.teeTcbSvn[0] = moduleSVN
            let result = try verifier.evaluateTDX(info, pck: pck, body: body, qe: .upToDate)
            #expect(result.status == .upToDate, "module SVN \(moduleSVN)")
            #expect(result.moduleIdentity == "TDX_01" && result.moduleStatus == .upToDate)
        }
        // SVN 3: TDX_01 says OutOfDate (2023-08-09 level), and so does Intel's verdict.
        body.teeTcbSvn[0] = 3
        #expect(try verifier.evaluateTDX(info, pck: pck, body: body, qe: .upToDate).status == .outOfDate)
    }

    @Test("--json carries the TCB level status, the module identity and its status next to tcbStatus")
    func claimsJSON() throws {
        let sample = try DCAPSample.load("tdx-phala-b0c06f")
        let claims = try sample.verifier().verify(sample.evidence, at: sample.validAt)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(claims)) as? [String: Any] ?? [:]
        #expect(json["tcbStatus"] as? String == "UpToDate")
        #expect(json["tcbLevelStatus"] as? String == "UpToDate")
        #expect(json["tdxModuleIdentity"] as? String == "TDX_01")
        #expect(json["tdxModuleStatus"] as? String == "UpToDate")
        #expect(json["relaunchAdvised"] as? Bool == false)
        #expect(json["teeTcbSvn2"] is NSNull)
        let trustee = try DCAPSample.load("tdx-trustee-q4-debug-50806f")
        let old = try trustee.verifier().verify(trustee.evidence, at: trustee.validAt)
        let oldJSON = try JSONSerialization.jsonObject(with: JSONEncoder().encode(old)) as? [String: Any] ?? [:]
        #expect(oldJSON["tdxModuleIdentity"] is NSNull)
        #expect(oldJSON["tdxModuleStatus"] is NSNull)
        #expect(oldJSON["tcbLevelStatus"] as? String == "OutOfDate")
    }
}
