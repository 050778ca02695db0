/// Intel's TCB status of a platform, as TCB info and QE identity levels name it.
public enum DCAPTCBStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case upToDate = "UpToDate"
    case swHardeningNeeded = "SWHardeningNeeded"
    case configurationNeeded = "ConfigurationNeeded"
    case configurationAndSWHardeningNeeded = "ConfigurationAndSWHardeningNeeded"
    case outOfDate = "OutOfDate"
    case outOfDateConfigurationNeeded = "OutOfDateConfigurationNeeded"
    case revoked = "Revoked"

    static func parse(_ text: String, what: String) throws(AttestationError) -> DCAPTCBStatus {
        guard let status = DCAPTCBStatus(rawValue: text) else {
            throw AttestationError(.collateralInvalid, "\(what) has unknown tcbStatus \(text)")
        }
        return status
    }

    /// Folds a component's status (QE identity level or TDX module level, which are only
    /// UpToDate / OutOfDate / Revoked) into the platform status, as Intel's QVL does: an
    /// out-of-date QE or module makes an otherwise current platform OutOfDate, and keeps a
    /// configuration finding as OutOfDateConfigurationNeeded.
    func converged(with component: DCAPTCBStatus) -> DCAPTCBStatus {
        switch component {
        case .revoked:
            return .revoked
        case .outOfDate, .outOfDateConfigurationNeeded:
            switch self {
            case .upToDate, .swHardeningNeeded: return .outOfDate
            case .configurationNeeded, .configurationAndSWHardeningNeeded: return .outOfDateConfigurationNeeded
            case .outOfDate, .outOfDateConfigurationNeeded, .revoked: return self
            }
        case .upToDate, .swHardeningNeeded, .configurationNeeded, .configurationAndSWHardeningNeeded:
            return self
        }
    }
}
