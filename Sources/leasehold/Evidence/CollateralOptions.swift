import ArgumentParser
import Collateral
import Foundation
import LeaseholdWorkloadCLI

/// The collateral flags `serve` and `evidence verify` share (--intel-pcs-url and friends), so
/// an operator checks a quote exactly as the broker would.
enum CollateralOptions {
    static func validate(url: String?, directory: String? = nil, update: String, maximumAge: Int) throws {
        if url != nil && directory != nil { throw ValidationError("give --intel-pcs-url or --collateral-dir, not both") }
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

    /// The service the flags describe; nil without --intel-pcs-url or --collateral-dir.
    static func service(url: String?, directory: String? = nil, caFile: String?, update: String, maximumAge: Int) throws -> CollateralService? {
        let stage = IntelPCS.Update(rawValue: update) ?? .standard
        if let directory {
            return CollateralService(configuration: .init(intel: IntelPCS(baseURL: CollateralDirectory.baseURL, update: stage),
                                                          maximumAge: TimeInterval(maximumAge)), http: CollateralDirectory(path: directory))
        }
        guard let url else { return nil }
        let http: AsyncCollateralHTTP
        do { http = try AsyncCollateralHTTP(caFile: caFile) } catch {
            throw CLIFailure(message: "--intel-pcs-ca-file \(caFile ?? ""): \(error)")
        }
        return CollateralService(configuration: .init(intel: IntelPCS(baseURL: url, update: IntelPCS.Update(rawValue: update) ?? .standard),
                                                      maximumAge: TimeInterval(maximumAge)), http: http)
    }
}
