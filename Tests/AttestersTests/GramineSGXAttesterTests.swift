import Foundation
import Testing
@testable import Attesters

@Suite("Gramine /dev/attestation file protocol against a fake directory")
struct GramineSGXAttesterTests {
    /// Gramine's pseudo-files as plain files: the quote is what Gramine would return for the
    /// report data written.
    func fake(type: String = "dcap", quote: [UInt8]?) throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        try dir.write("attestation_type", Array(type.utf8))
        try dir.write("user_report_data", [])
        if let quote { try dir.write("quote", quote) }
        return dir
    }

    @Test("writes exactly the 64 bytes of report data, reads the real quote back unchanged")
    func realQuote() async throws {
        let quote = try Vectors.bytes("sgx/phala-dcap-qvl/sgx_quote")
        let dir = try fake(quote: quote)
        let evidence = try await GramineSGXAttester(directory: dir.path).attest(try Vectors.request())
        #expect(evidence.tee == .sgx)
        #expect(evidence.evidence == quote)
        #expect(evidence.collateral.isEmpty)
        #expect(evidence.interface == dir.path)
        #expect([UInt8](try Data(contentsOf: dir.url.appendingPathComponent("user_report_data"))) == Vectors.reportData)
    }

    @Test("the oasis v3 quote, and attestation_type with a trailing newline")
    func oasisQuote() async throws {
        let quote = try Vectors.bytes("sgx/oasis-core/quote_v3_ecdsa_p256_pck_chain.bin")
        let dir = try fake(type: "dcap\n", quote: quote)
        #expect(try await GramineSGXAttester(directory: dir.path).attest(try Vectors.request()).evidence == quote)
    }

    @Test("attestation_type none or epid: unsupported-configuration, nothing written")
    func notDCAP() async throws {
        for type in ["none", "epid", "dcap2", "DCAP"] {
            let dir = try fake(type: type, quote: [1])
            let error = await #expect(throws: AttesterError.self) { try await GramineSGXAttester(directory: dir.path).attest(try Vectors.request()) }
            #expect(error?.code == .unsupportedConfiguration)
            #expect(try Data(contentsOf: dir.url.appendingPathComponent("user_report_data")).isEmpty)
        }
    }

    @Test("no /dev/attestation: interface-missing; empty quote: empty-outblob; a TDX quote: bad-response")
    func failures() async throws {
        let missing = try TemporaryDirectory()
        let a = await #expect(throws: AttesterError.self) {
            try await GramineSGXAttester(directory: missing.path + "/attestation").attest(try Vectors.request())
        }
        #expect(a?.code == .interfaceMissing)
        let empty = try fake(quote: [])
        let b = await #expect(throws: AttesterError.self) { try await GramineSGXAttester(directory: empty.path).attest(try Vectors.request()) }
        #expect(b?.code == .emptyOutblob)
        let tdx = try fake(quote: try Vectors.bytes("tdx/trustee-q4-lunal-collateral/tdx_quote_4.dat"))
        let c = await #expect(throws: AttesterError.self) { try await GramineSGXAttester(directory: tdx.path).attest(try Vectors.request()) }
        #expect(c?.code == .badResponse)
    }
}
