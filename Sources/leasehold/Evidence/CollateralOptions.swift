import ArgumentParser
import Collateral
import Foundation
import LeaseholdWorkloadCLI

/// The collateral flags `serve` and `evidence verify` share (--intel-pcs-url, --amd-kds-url and
/// friends), so an operator checks evidence exactly as the broker would.
enum CollateralOptions {
    static func validate(url: String?, amdURL: String? = nil, directory: String? = nil, update: String, maximumAge: Int) throws {
        if (url != nil || amdURL != nil) && directory != nil {
            throw ValidationError("give --intel-pcs-url/--amd-kds-url or --collateral-dir, not both")
        }
        if let amdURL {
            guard let u = URL(string: amdURL), u.scheme == "https" || u.scheme == "http", u.host != nil else {
                throw ValidationError("--amd-kds-url must be an http(s) URL such as \(AMDKDS.amdKDS)")
            }
        }
        if let directory {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
                throw ValidationError("--collateral-dir \(directory) is not a directory (fill one with `leasehold collateral fetch --out DIR`)")
            }
        }
        if let url {
            guard let u = URL(string: url), u.scheme == "https" || u.scheme == "http", u.host != nil else {
                throw ValidationError("--intel-pcs-url must be an http(s) URL such as \(IntelPCS.intelPCS)")
            }
        }
        guard IntelPCS.Update(rawValue: update) != nil else { throw ValidationError("--intel-tcb-update must be standard or early") }
        guard (60...30 * 86_400).contains(maximumAge) else { throw ValidationError("--collateral-max-age must be 60...2592000 seconds") }
    }

    /// The service the flags describe; nil without --intel-pcs-url, --amd-kds-url or
    /// --collateral-dir. A directory serves both vendors' documents.
    static func service(url: String?, amdURL: String? = nil, directory: String? = nil, caFile: String?, update: String, maximumAge: Int) throws
        -> CollateralService?
    {
        let stage = IntelPCS.Update(rawValue: update) ?? .standard
        if let directory {
            return CollateralService(
                configuration: .init(
                    intel: IntelPCS(baseURL: CollateralDirectory.baseURL, update: stage),
                    amd: AMDKDS(baseURL: CollateralDirectory.baseURL),
                    maximumAge: TimeInterval(maximumAge)), http: CollateralDirectory(path: directory))
        }
        guard url != nil || amdURL != nil else { return nil }
        let http: AsyncCollateralHTTP
        do { http = try AsyncCollateralHTTP(caFile: caFile) } catch {
            throw CLIFailure(message: "--intel-pcs-ca-file \(caFile ?? ""): \(error)")
        }
        return CollateralService(
            configuration: .init(
                intel: url.map { IntelPCS(baseURL: $0, update: stage) }, amd: amdURL.map { AMDKDS(baseURL: $0) },
                maximumAge: TimeInterval(maximumAge)), http: http)
    }
}
