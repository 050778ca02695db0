import Codecs
import Foundation
import Testing
@testable import Attestation

@Suite("DCAP quote parser")
struct DCAPQuoteParserTests {
    @Test("every SGX and TDX vector parses with the fields EXPECTED.json gives", arguments: DCAPSample.ids)
    func parsesVectors(id: String) throws {
        let sample = try DCAPSample.load(id)
        let quote = try DCAPQuote.parse(sample.quote)
        let details = sample.details
        #expect(quote.tee == sample.tee)
        #expect(Int(quote.header.version) == details["quote_version"] as? Int)
        #expect(Hex.encode(quote.header.qeVendorID) == details["qe_vendor_id"] as? String)
        #expect(quote.trailingZeroBytes == details["trailing_bytes"] as? Int)
        #expect(sample.quote.count - quote.trailingZeroBytes == details["quote_structure_length"] as? Int)
        let qe = details["qe_report"] as? [String: Any] ?? [:]
        #expect(Hex.encode(quote.signatureData.qeReport.mrEnclave) == qe["mrenclave"] as? String)
        #expect(Hex.encode(quote.signatureData.qeReport.mrSigner) == qe["mrsigner"] as? String)
        #expect(Int(quote.signatureData.qeReport.isvSvn) == qe["isv_svn"] as? Int)
        switch quote.body {
        case .sgx(let body):
            #expect(Hex.encode(body.mrEnclave) == sample.entry["measurement"] as? String)
            #expect(Hex.encode(body.mrSigner) == details["mrsigner"] as? String)
            #expect(Hex.encode(body.cpuSvn) == details["cpusvn"] as? String)
            #expect(Hex.encode(body.attributes) == details["attributes"] as? String)
            #expect(Hex.encode(body.reportData) == sample.entry["report_data"] as? String)
            #expect(body.debug == sample.entry["debug"] as? Bool)
        case .td(let body):
            #expect(Hex.encode(body.mrTd) == sample.entry["measurement"] as? String)
            #expect(Hex.encode(body.teeTcbSvn) == details["tee_tcb_svn"] as? String)
            #expect(Hex.encode(body.mrSeam) == details["mrseam"] as? String)
            #expect(Hex.encode(body.tdAttributes) == details["td_attributes"] as? String)
            #expect(Hex.encode(body.xfam) == details["xfam"] as? String)
            for i in 0..<4 { #expect(Hex.encode(body.rtmrs[i]) == details["rtmr\(i)"] as? String) }
            #expect(Hex.encode(body.reportData) == sample.entry["report_data"] as? String)
            #expect(body.debug == sample.entry["debug"] as? Bool)
        }
    }

    @Test("truncation anywhere and empty input are malformed, never a trap", arguments: DCAPSample.ids)
    func truncated(id: String) throws {
        let sample = try DCAPSample.load(id)
        let structure = sample.quote.count - (try DCAPQuote.parse(sample.quote)).trailingZeroBytes
        for length in [0, 1, 47, 48, 100, 431, 432, 435, 436, 600, 1000, 1100, structure - 1000, structure - 1] {
            #expect(
                dcapErrorCode { _ = try DCAPQuote.parse(Array(sample.quote.prefix(length))) } == .malformed,
                "prefix \(length) of \(structure)")
        }
    }

    @Test("trailing bytes are accepted only when all zero")
    func trailingBytes() throws {
        let sample = try DCAPSample.load("sgx-phala-00a067110000")
        #expect(try DCAPQuote.parse(sample.quote + [0, 0, 0]).trailingZeroBytes == 3)
        #expect(dcapErrorCode { _ = try DCAPQuote.parse(sample.quote + [0, 1]) } == .malformed)
    }

    @Test("unsupported version, key type and TEE type are malformed")
    func headerFields() throws {
        let q = try DCAPSample.load("tdx-phala-b0c06f").quote
        var v = q; v[0] = 2
        #expect(dcapErrorCode { _ = try DCAPQuote.parse(v) } == .malformed)
        var k = q; k[2] = 3
        #expect(dcapErrorCode { _ = try DCAPQuote.parse(k) } == .malformed)
        var t = q; t[4] = 0x82
        #expect(dcapErrorCode { _ = try DCAPQuote.parse(t) } == .malformed)
    }

    @Test("a length field larger than the quote is malformed")
    func oversizedLength() throws {
        var q = try DCAPSample.load("sgx-oasis-00606a000000").quote
        let sigLengthOffset = QuoteHeader.size + SGXReportBody.size
        q[sigLengthOffset + 3] = 0x7F
        #expect(dcapErrorCode { _ = try DCAPQuote.parse(q) } == .malformed)
    }

    @Test("a non-zero reserved field in the SGX report body is malformed")
    func reservedField() throws {
        let q = try DCAPSample.load("sgx-phala-00a067110000").quote
        #expect(dcapErrorCode { _ = try DCAPQuote.parse(flipBit(q, at: QuoteHeader.size + 100)) } == .malformed)
    }

    @Test("the PCK certificate SGX extensions give the FMSPC, PCE id, PCESVN and CPUSVN", arguments: DCAPSample.ids)
    func pckExtensions(id: String) throws {
        let sample = try DCAPSample.load(id)
        let quote = try DCAPQuote.parse(sample.quote)
        let certs = try DCAPCertificates.parsePEMChain(quote.signatureData.pckChainPEM, what: "test")
        let ext = try PCKExtensions.parse(certs[0])
        #expect(Hex.encode(ext.fmspc) == sample.details["fmspc"] as? String)
        #expect(Hex.encode(ext.pceId) == sample.details["pceid"] as? String)
        #expect(Int(ext.pceSvn) == sample.details["pck_pcesvn"] as? Int)
        #expect(Hex.encode(ext.cpuSvn) == sample.details["pck_cpusvn"] as? String)
    }
}

@Suite("DCAP quote parser: v5 and corruption")
struct DCAPQuoteV5Tests {
    /// A v5 quote built from the v4 TDX vector: version 5, body descriptor (type, size) before
    /// the body, TD 1.5 adds TEE_TCB_SVN_2 and MRSERVICETD. Not signed: parsing only.
    private func v5(from v4: [UInt8], td15: Bool) -> [UInt8] {
        var header = Array(v4[0..<48])
        header[0] = 5
        let bodySize = td15 ? 648 : 584
        let descriptor: [UInt8] = [td15 ? 3 : 2, 0, UInt8(bodySize & 0xFF), UInt8(bodySize >> 8), 0, 0]
        let extra: [UInt8] = td15 ? Array(repeating: 0x5A, count: 64) : []
        return header + descriptor + Array(v4[48..<(48 + 584)]) + extra + Array(v4[(48 + 584)...])
    }

    @Test("v5 with a TD 1.0 or TD 1.5 body parses; the signed bytes include the body descriptor")
    func parsesV5() throws {
        let v4 = try DCAPSample.load("tdx-trustee-q4-debug-50806f").quote
        let v4Quote = try DCAPQuote.parse(v4)
        for td15 in [false, true] {
            let quote = try DCAPQuote.parse(v5(from: v4, td15: td15))
            #expect(quote.header.version == 5)
            #expect(quote.signedBytes.count == 48 + 6 + (td15 ? 648 : 584))
            guard case .td(let body) = quote.body, case .td(let original) = v4Quote.body else {
                Issue.record("not a TD body"); continue
            }
            #expect(body.mrTd == original.mrTd)
            #expect(body.teeTcbSvn2 == (td15 ? Array(repeating: 0x5A, count: 16) : nil))
            #expect(body.mrServiceTd == (td15 ? Array(repeating: 0x5A, count: 48) : nil))
            #expect(quote.signatureData == v4Quote.signatureData)
        }
    }

    @Test("a v5 body descriptor that does not fit the TEE type is malformed")
    func badDescriptor() throws {
        var q = v5(from: try DCAPSample.load("tdx-phala-b0c06f").quote, td15: false)
        q[48] = 1  // SGX body type in a TDX quote
        #expect(dcapErrorCode { _ = try DCAPQuote.parse(q) } == .malformed)
        q[48] = 2; q[50] = 0x49  // TD 1.0 type with the wrong size
        #expect(dcapErrorCode { _ = try DCAPQuote.parse(q) } == .malformed)
    }

    @Test("every single-byte corruption of a quote either parses or is malformed", arguments: ["sgx-phala-00a067110000", "tdx-phala-b0c06f"])
    func corruption(id: String) throws {
        let quote = try DCAPSample.load(id).quote
        for index in quote.indices {
            var bad = quote
            bad[index] = ~bad[index]
            do { _ = try DCAPQuote.parse(bad) } catch {
                #expect(error.code == .malformed, "byte \(index)")
            }
        }
    }
}
