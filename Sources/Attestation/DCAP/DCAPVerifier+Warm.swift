import Codecs
import Crypto
import Foundation
import X509

extension DCAPVerifier {
    /// Works out a `DCAPWarmEntry`: the time-independent half of `verifyQuoteCold`, step by
    /// step with the same helpers (so with the same memoised signature results). Returns nil
    /// whenever any of those checks fails: such inputs always take the full path.
    func prepareWarm(
        _ key: DCAPWarmEntry.Key, signatureData sig: QuoteSignatureData,
        collateral: DCAPCollateral
    ) -> DCAPWarmEntry? {
        do throws(AttestationError) {
            // 1. The PCK chain (as verifyPCKChain, without the validity and freshness checks).
            let root = try IntelRootCA.require()
            let certs = try cache.pckChain(sig.pckChainPEM)
            guard certs.count == 2 || certs.count == 3, certs.count == 2 || certs[2] == root else { return nil }
            let leaf = certs[0], intermediate = certs[1]
            guard Self.pckCANames.contains(DCAPCertificates.commonName(intermediate.subject)) else { return nil }
            try checkLink(leaf, issuer: intermediate, role: "PCK")
            try checkLink(intermediate, issuer: root, role: "PCK CA")
            let certificates = [root, intermediate, leaf].map { DCAPWarmEntry.Window(from: $0.notValidBefore, until: $0.notValidAfter) }
            var crls: [DCAPWarmEntry.Window] = []
            let rootCRL = try signedCRL(collateral, issuer: root, name: "Intel SGX Root CA CRL")
            if let rootCRL {
                guard !rootCRL.revokes(intermediate), let next = rootCRL.nextUpdate else { return nil }
                crls.append(.init(from: rootCRL.thisUpdate, until: next))
            }
            if let pckCRL = try signedCRL(collateral, issuer: intermediate, name: "PCK CA CRL") {
                guard !pckCRL.revokes(leaf), let next = pckCRL.nextUpdate else { return nil }
                crls.append(.init(from: pckCRL.thisUpdate, until: next))
            }
            let pck = try PCKExtensions.parse(leaf)

            // 2. The QE report: signed by the PCK key, binding the attestation key.
            guard let pckKey = P256.Signing.PublicKey(leaf.publicKey) else { return nil }
            let qeSigned = cache.verifiedSignature(
                key: [UInt8](pckKey.rawRepresentation), signature: sig.qeReportSignature,
                message: sig.qeReport.raw
            ) {
                DCAPCertificates.verifyRawP256(signature: sig.qeReportSignature, message: sig.qeReport.raw, key: pckKey)
            }
            let binding = Array(SHA256.hash(data: sig.attestationKey + sig.qeAuthData))
            let reportData = sig.qeReport.reportData
            guard qeSigned, reportData.count == 64, ConstantTime.equal(Array(reportData[0..<32]), binding),
                reportData[32...].allSatisfy({ $0 == 0 }),
                let attestationKey = try? P256.Signing.PublicKey(rawRepresentation: sig.attestationKey)
            else { return nil }

            // 4. Every TCB info / QE identity candidate in selection order, with its good signers.
            let signers = tcbSigners(collateral, root: root).filter { signer in
                (try? checkLink(signer, issuer: root, role: "TCB signing")) != nil && !(rootCRL?.revokes(signer) ?? false)
            }
            func candidates<Value>(
                _ list: [DCAPCollateral.Signed<Value>],
                consistent: (Value) -> Bool
            ) -> [DCAPWarmEntry.Candidate<Value>] {
                list.map { c in
                    let good = signers.filter { signed(c.signedBytes, signature: c.signature, by: $0) }
                    return DCAPWarmEntry.Candidate(
                        value: c.value, window: .init(from: c.issueDate, until: c.nextUpdate),
                        signers: good.map { .init(from: $0.notValidBefore, until: $0.notValidAfter) },
                        consistent: consistent(c.value))
                }
            }
            let tcbInfos = candidates(tcbInfoCandidates(collateral, fmspc: pck.fmspc)) { info in
                Hex.decode(info.pceId).map { ConstantTime.equal($0, pck.pceId) } ?? false
            }
            let qeIdentities = candidates(qeIdentityCandidates(collateral)) { _ in true }
            return DCAPWarmEntry(
                key: key, pck: pck, attestationKey: attestationKey, certificates: certificates, crls: crls,
                tcbInfos: tcbInfos, qeIdentities: qeIdentities)
        } catch {
            return nil
        }
    }
}
