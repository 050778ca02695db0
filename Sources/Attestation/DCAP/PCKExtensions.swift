import SwiftASN1
import X509

/// The Intel SGX extensions of a PCK certificate (OID 1.2.840.113741.1.13.1): what the platform's
/// TCB was when Intel issued the PCK key, which TCB info applies (FMSPC) and the PCE it belongs to.
///
/// Structure (Intel SGX PCK Certificate and CRL Profile, 1.4):
///
/// ```
/// SGXExtensions ::= SEQUENCE OF SEQUENCE { oid OBJECT IDENTIFIER, value ANY }
///   1.2.840.113741.1.13.1.1  PPID         OCTET STRING (16)
///   1.2.840.113741.1.13.1.2  TCB          SEQUENCE OF SEQUENCE { oid, value }
///       .2.1 ... .2.16       SGX TCB COMP01..16 SVN  INTEGER (0..255)
///       .2.17                PCESVN       INTEGER (0..65535)
///       .2.18                CPUSVN       OCTET STRING (16)
///   1.2.840.113741.1.13.1.3  PCE-ID       OCTET STRING (2)
///   1.2.840.113741.1.13.1.4  FMSPC        OCTET STRING (6)
///   1.2.840.113741.1.13.1.5  SGX Type     ENUMERATED
///   (.6 platform instance id, .7 configuration: Platform CA certificates only, not needed)
/// ```
struct PCKExtensions: Sendable, Hashable {
    static let sgxExtensionsOID: ASN1ObjectIdentifier = [1, 2, 840, 113741, 1, 13, 1]

    var ppid: [UInt8]
    /// SGX TCB components 1..16, in order.
    var cpuSvnComponents: [UInt8]
    var pceSvn: UInt16
    var cpuSvn: [UInt8]
    var pceId: [UInt8]
    var fmspc: [UInt8]

    static func parse(_ cert: Certificate) throws(AttestationError) -> PCKExtensions {
        guard let ext = cert.extensions.first(where: { $0.oid == sgxExtensionsOID }) else {
            throw AttestationError(.chainInvalid, "the PCK certificate has no Intel SGX extensions (1.2.840.113741.1.13.1)")
        }
        do {
            let top = try entries(DER.parse(ext.value))
            guard let ppidNode = top[[1, 2, 840, 113741, 1, 13, 1, 1]],
                let tcbNode = top[[1, 2, 840, 113741, 1, 13, 1, 2]],
                let pceNode = top[[1, 2, 840, 113741, 1, 13, 1, 3]],
                let fmspcNode = top[[1, 2, 840, 113741, 1, 13, 1, 4]]
            else {
                throw AttestationError(.malformed, "the PCK certificate's SGX extensions lack PPID, TCB, PCE-ID or FMSPC")
            }
            let tcb = try entries(tcbNode)
            var comps: [UInt8] = []
            for i in 1...16 {
                guard let node = tcb[[1, 2, 840, 113741, 1, 13, 1, 2, UInt(i)]] else {
                    throw AttestationError(.malformed, "the PCK certificate's TCB lacks component \(i)")
                }
                let v = try Int(derEncoded: node)
                guard (0...255).contains(v) else { throw AttestationError(.malformed, "PCK TCB component \(i) out of range") }
                comps.append(UInt8(v))
            }
            guard let pceSvnNode = tcb[[1, 2, 840, 113741, 1, 13, 1, 2, 17]],
                let cpuSvnNode = tcb[[1, 2, 840, 113741, 1, 13, 1, 2, 18]]
            else {
                throw AttestationError(.malformed, "the PCK certificate's TCB lacks PCESVN or CPUSVN")
            }
            let pceSvn = try Int(derEncoded: pceSvnNode)
            guard (0...0xFFFF).contains(pceSvn) else { throw AttestationError(.malformed, "PCK PCESVN out of range") }
            let cpuSvn = try [UInt8](ASN1OctetString(derEncoded: cpuSvnNode).bytes)
            let ppid = try [UInt8](ASN1OctetString(derEncoded: ppidNode).bytes)
            let pceId = try [UInt8](ASN1OctetString(derEncoded: pceNode).bytes)
            let fmspc = try [UInt8](ASN1OctetString(derEncoded: fmspcNode).bytes)
            guard cpuSvn.count == 16, pceId.count == 2, fmspc.count == 6 else {
                throw AttestationError(.malformed, "the PCK certificate's CPUSVN, PCE-ID or FMSPC has the wrong length")
            }
            return PCKExtensions(
                ppid: ppid, cpuSvnComponents: comps, pceSvn: UInt16(pceSvn), cpuSvn: cpuSvn,
                pceId: pceId, fmspc: fmspc)
        } catch let error as AttestationError {
            throw error
        } catch {
            throw AttestationError(.malformed, "the PCK certificate's SGX extensions do not parse: \(AttestationError.libraryReason(error))")
        }
    }

    /// SEQUENCE OF SEQUENCE { oid, value } as a dictionary; a repeated OID is refused.
    private static func entries(_ node: ASN1Node) throws -> [ASN1ObjectIdentifier: ASN1Node] {
        var out: [ASN1ObjectIdentifier: ASN1Node] = [:]
        try DER.sequence(node, identifier: .sequence) { items in
            while let item = items.next() {
                try DER.sequence(item, identifier: .sequence) { pair in
                    guard let oidNode = pair.next(), let value = pair.next() else {
                        throw AttestationError(.malformed, "an SGX extension entry lacks its OID or value")
                    }
                    let oid = try ASN1ObjectIdentifier(derEncoded: oidNode)
                    guard out[oid] == nil else { throw AttestationError(.malformed, "SGX extension \(oid) repeated") }
                    out[oid] = value
                }
            }
        }
        return out
    }
}
