import Foundation
import Testing
@testable import Attesters

@Suite("/dev/nsm Attestation request and response")
struct NitroNSMAttesterTests {
    @Test("NSM_IOCTL_RAW is _IOWR(0x0A, 0, 32); nsm_raw is two {addr, len} iovecs")
    func rawStruct() {
        #expect(NitroNSMAttester.ioctlRaw == iowr(0x0A, 0, 32))
        #expect(NitroNSMAttester.ioctlRaw == 0xC020_0A00)
        let raw = NitroNSMAttester.encodeRaw(requestAddress: 0x1000, requestLength: 0x95, responseAddress: 0x2000, responseLength: 0x3000)
        #expect(
            raw == [
                0, 0x10, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0,
                0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0x30, 0, 0, 0, 0, 0, 0,
            ])
        #expect(NitroNSMAttester.decodeResponseLength(raw) == 0x3000)
    }

    @Test("request CBOR byte-exact: map(1) Attestation -> map(3) user_data, nonce, public_key in that order")
    func requestBytes() {
        let bytes = NSMMessage.encodeAttestationRequest(userData: Vectors.reportData, nonce: [0xAA, 0xBB], publicKey: nil)
        var expected: [UInt8] = [0xA1, 0x6B] + Array("Attestation".utf8) + [0xA3]
        expected += [0x69] + Array("user_data".utf8) + [0x58, 0x40] + Vectors.reportData
        expected += [0x65] + Array("nonce".utf8) + [0x42, 0xAA, 0xBB]
        expected += [0x6A] + Array("public_key".utf8) + [0xF6]
        #expect(bytes == expected)
        let key = [UInt8](repeating: 7, count: 300)
        let withKey = NSMMessage.encodeAttestationRequest(userData: nil, nonce: nil, publicKey: key)
        #expect(Array(withKey.suffix(303)) == [0x59, 0x01, 0x2C] + key)
        #expect(withKey.contains(0xF6))
    }

    @Test("response: document and Error variants; trailing bytes, indefinite lengths, wrong keys and truncation refused")
    func responses() throws {
        let document = try Vectors.bytes("nitro/evervault/valid-attestation-doc-bytes")
        let good = Self.documentResponse(document)
        #expect(try NSMMessage.decodeResponse(good, source: "t") == .document(document))
        let error: [UInt8] = [0xA1, 0x65] + Array("Error".utf8) + [0x6F] + Array("InvalidArgument".utf8)
        #expect(try NSMMessage.decodeResponse(error, source: "t") == .error("InvalidArgument"))
        let hostile: [[UInt8]] = [
            [], good + [0], Array(good.dropLast()),
            [0xBF] + Array(good.dropFirst()),  // indefinite map
            [0xA2] + Array(good.dropFirst()),  // two entries claimed
            [0xA1, 0x6B] + Array("Attestaxion".utf8) + Array(good.dropFirst(13)),  // unknown variant
            [0xA1, 0x6B] + Array("Attestation".utf8) + [0xA1, 0x68] + Array("documenx".utf8) + [0x40],
            [0xA1, 0x6B] + Array("Attestation".utf8) + [0xA1, 0x68] + Array("document".utf8) + [
                0x5B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            ],
            [0xA1, 0x6B] + Array("Attestation".utf8) + [0xA1, 0x68] + Array("document".utf8) + [0x60],
        ]
        for bytes in hostile {
            let e = #expect(throws: AttesterError.self) { try NSMMessage.decodeResponse(bytes, source: "t") }
            #expect(e?.code == .badResponse)
        }
    }

    static func documentResponse(_ document: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0xA1, 0x6B] + Array("Attestation".utf8) + [0xA1, 0x68] + Array("document".utf8)
        NSMMessage.appendHead(major: 2, UInt64(document.count), to: &out)
        return out + document
    }

    /// The NSM driver: copies the request out of its iovec, writes the reply and its length.
    static func nsm(reply: [UInt8], seen: Box2) -> FakeDevice {
        FakeDevice(path: "/fake/nsm") { request, argument in
            guard request == NitroNSMAttester.ioctlRaw else { return .failed(ENOTTY) }
            let raw = Memory.read(argument, 32)
            let (reqAddr, reqLen, respAddr, respLen) = (
                Bytes.readLE(UInt64.self, raw, at: 0) ?? 0, Bytes.readLE(UInt64.self, raw, at: 8) ?? 0,
                Bytes.readLE(UInt64.self, raw, at: 16) ?? 0, Bytes.readLE(UInt64.self, raw, at: 24) ?? 0
            )
            seen.set(Memory.read(address: reqAddr, Int(reqLen)))
            guard UInt64(reply.count) <= respLen else { return .failed(EMSGSIZE) }
            Memory.write(reply, address: respAddr)
            Memory.write(Memory.le(UInt64(reply.count)), to: argument, at: 24)
            return .success
        }
    }

    @Test("the real document through a fake NSM; user_data, nonce and public_key carry the binding")
    func realDocument() async throws {
        let document = try Vectors.bytes("nitro/evervault/valid-attestation-doc-bytes")
        let seen = Box2()
        let key = [UInt8](repeating: 0x42, count: 32)
        let evidence = try await NitroNSMAttester(device: Self.nsm(reply: Self.documentResponse(document), seen: seen))
            .attest(try Vectors.request(nonce: [1, 2, 3], publicKey: key))
        #expect(evidence.tee == .nitro)
        #expect(evidence.evidence == document)
        #expect(evidence.collateral.isEmpty)
        #expect(seen.bytes == NSMMessage.encodeAttestationRequest(userData: Vectors.reportData, nonce: [1, 2, 3], publicKey: key))
    }

    @Test("an X-Wing key (1216 bytes) is not sent: public_key is null and a note says why")
    func longKey() async throws {
        let seen = Box2()
        let evidence = try await NitroNSMAttester(device: Self.nsm(reply: Self.documentResponse([1, 2, 3]), seen: seen))
            .attest(try Vectors.request(nonce: [9], publicKey: [UInt8](repeating: 1, count: 1216)))
        #expect(seen.bytes == NSMMessage.encodeAttestationRequest(userData: Vectors.reportData, nonce: [9], publicKey: nil))
        #expect(evidence.notes.count == 1)
    }

    @Test("an NSM Error reply, an empty document and a missing device are clear errors")
    func failures() async throws {
        let error: [UInt8] = [0xA1, 0x65] + Array("Error".utf8) + [0x6D] + Array("InternalError".utf8)
        let a = await #expect(throws: AttesterError.self) {
            try await NitroNSMAttester(device: Self.nsm(reply: error, seen: Box2())).attest(try Vectors.request())
        }
        #expect(a?.code == .deviceError && a?.reason.contains("InternalError") == true)
        let b = await #expect(throws: AttesterError.self) {
            try await NitroNSMAttester(device: Self.nsm(reply: Self.documentResponse([]), seen: Box2())).attest(try Vectors.request())
        }
        #expect(b?.code == .emptyOutblob)
        let dir = try TemporaryDirectory()
        let c = await #expect(throws: AttesterError.self) { try await NitroNSMAttester(path: dir.path + "/nsm").attest(try Vectors.request()) }
        #expect(c?.code == .interfaceMissing)
    }
}

final class Box2: @unchecked Sendable {
    private let lock = NSLock()
    private var value: [UInt8] = []
    var bytes: [UInt8] { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ bytes: [UInt8]) { lock.lock(); defer { lock.unlock() }; value = bytes }
}
