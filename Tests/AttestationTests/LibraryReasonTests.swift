import Foundation
import SwiftASN1
import Testing
@testable import Attestation

/// Refusals quote library errors without the library's source location (found by an API
/// fuzzing run: some evidence refusals showed `…/X509/….swift:123`).
@Suite struct LibraryReasonTests {
    @Test func aLibraryErrorLosesItsSourceLocationAndKeepsItsReason() throws {
        do {
            _ = try DER.parse([0x30, 0x05, 0x02])
            Issue.record("truncated DER parsed")
        } catch {
            #expect(String(describing: error).contains(".swift:"))
            let reason = AttestationError.libraryReason(error)
            #expect(!reason.contains(".swift:") && reason.hasPrefix("ASN1Error.") && reason.count > 12)
        }
        #expect(
            AttestationError.libraryReason(AttestationError(.malformed, "plain words"))
                == String(describing: AttestationError(.malformed, "plain words")))
    }

    @Test func refusalsOfMalformedCertificatesNameNoSourceFile() {
        for bytes: [UInt8] in [
            [0x30, 0x03, 0x02, 0x01, 0x01], [0x30, 0x82, 0x01], Array("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8),
        ] {
            do throws(AttestationError) {
                for der in try AMDCertificate.derDocuments(in: bytes).certificates { _ = try AMDCertificate(derEncoded: der) }
                Issue.record("a malformed certificate parsed")
            } catch {
                #expect(!error.reason.contains(".swift:"), "\(error.reason)")
            }
        }
    }
}
