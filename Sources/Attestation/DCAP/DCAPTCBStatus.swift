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

    /// Refuses a status that a policy's accepted list does not name, citing the advisories so
    /// an operator can judge whether to accept it.
    func check(accepted: Set<String>, advisoryIds: [String]) throws(AttestationError) {
        guard accepted.contains(rawValue) else {
            let advisories = advisoryIds.isEmpty ? "" : " (advisories \(advisoryIds.joined(separator: ", ")))"
            throw AttestationError(.tcbStatusNotAccepted, "TCB status \(rawValue)\(advisories) is not in the accepted list (\(accepted.sorted().joined(separator: ",")))")
        }
    }
}
