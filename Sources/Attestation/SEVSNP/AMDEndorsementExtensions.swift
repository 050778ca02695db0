import SwiftASN1
import X509

/// The AMD-specific extensions of a VCEK or VLEK certificate (AMD "Versioned Chip Endorsement
/// Key (VCEK) Certificate and KDS Interface Specification"):
///
/// | OID                       | name        | value (extnValue contents) |
/// |---------------------------|-------------|-----------------------------|
/// | 1.3.6.1.4.1.3704.1.1      | structVersion | DER INTEGER |
/// | 1.3.6.1.4.1.3704.1.2      | productName | DER IA5String, "Milan-B0", "Genoa", ... |
/// | 1.3.6.1.4.1.3704.1.3.1    | blSPL       | DER INTEGER, boot loader SVN |
/// | 1.3.6.1.4.1.3704.1.3.2    | teeSPL      | DER INTEGER, PSP OS SVN |
/// | 1.3.6.1.4.1.3704.1.3.3    | snpSPL      | DER INTEGER, SNP firmware SVN |
/// | 1.3.6.1.4.1.3704.1.3.4-7  | spl_4..7    | DER INTEGER, reserved (0) |
/// | 1.3.6.1.4.1.3704.1.3.8    | ucodeSPL    | DER INTEGER, microcode SVN |
/// | 1.3.6.1.4.1.3704.1.3.9    | fmcSPL      | DER INTEGER, FMC SVN (Turin) |
/// | 1.3.6.1.4.1.3704.1.4      | hwID        | raw chip id bytes (VCEK only; 64 bytes, 8 on Turin) |
/// | 1.3.6.1.4.1.3704.1.5      | cspID       | DER IA5String, the cloud provider (VLEK only) |
///
/// AMD issues a VCEK for one chip at one TCB, so these values are what the chain vouches for:
/// the verifier compares them with the report's REPORTED_TCB and CHIP_ID.
struct AMDEndorsementExtensions: Sendable, Hashable {
    static let productNameOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 2]
    static let hwIDOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 4]
    static let cspIDOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 5]
    static let bootloaderOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 1]
    static let teeOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 2]
    static let snpOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 3]
    static let microcodeOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 8]
    static let fmcOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 3, 9]

    var productName: String?
    var bootloader: UInt8?
    var tee: UInt8?
    var snp: UInt8?
    var microcode: UInt8?
    var fmc: UInt8?
    var hwID: [UInt8]?
    var cspID: String?

    init(_ extensions: Certificate.Extensions) throws(AttestationError) {
        func spl(_ oid: ASN1ObjectIdentifier, _ name: String) throws(AttestationError) -> UInt8? {
            guard let ext = extensions[oid: oid] else { return nil }
            do {
                return try UInt8(derEncoded: DER.parse(ext.value))
            } catch {
                throw AttestationError(.chainInvalid, "VCEK/VLEK extension \(name) is not a DER INTEGER 0-255")
            }
        }
        func ia5(_ oid: ASN1ObjectIdentifier, _ name: String) throws(AttestationError) -> String? {
            guard let ext = extensions[oid: oid] else { return nil }
            do {
                return String(try ASN1IA5String(derEncoded: DER.parse(ext.value)))
            } catch {
                throw AttestationError(.chainInvalid, "VCEK/VLEK extension \(name) is not a DER IA5String")
            }
        }
        productName = try ia5(Self.productNameOID, "productName")
        bootloader = try spl(Self.bootloaderOID, "blSPL")
        tee = try spl(Self.teeOID, "teeSPL")
        snp = try spl(Self.snpOID, "snpSPL")
        microcode = try spl(Self.microcodeOID, "ucodeSPL")
        fmc = try spl(Self.fmcOID, "fmcSPL")
        hwID = extensions[oid: Self.hwIDOID].map { Array($0.value) }
        cspID = try ia5(Self.cspIDOID, "cspID")
    }
}
