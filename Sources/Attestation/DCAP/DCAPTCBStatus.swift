/// Intel's TCB status of a platform, as TCB info and QE identity levels name it, plus the two
/// statuses Intel's TD 1.5 relaunch check gives (`TDRelaunchAdvised`,
/// `TDRelaunchAdvisedConfigurationNeeded`; never found in collateral, only as a result).
public enum DCAPTCBStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case upToDate = "UpToDate"
    case swHardeningNeeded = "SWHardeningNeeded"
    case configurationNeeded = "ConfigurationNeeded"
    case configurationAndSWHardeningNeeded = "ConfigurationAndSWHardeningNeeded"
    case outOfDate = "OutOfDate"
    case outOfDateConfigurationNeeded = "OutOfDateConfigurationNeeded"
    case revoked = "Revoked"
    /// TD 1.5: the TD was launched on a TDX module that is out of date, and the platform now runs
    /// one that is current (TEE_TCB_SVN_2): relaunching the TD would make it UpToDate.
    case tdRelaunchAdvised = "TDRelaunchAdvised"
    /// `tdRelaunchAdvised` on a platform whose TCB level also needs configuration.
    case tdRelaunchAdvisedConfigurationNeeded = "TDRelaunchAdvisedConfigurationNeeded"

    /// The statuses a TCB info level may carry (Intel QVL `TcbStatus.h`, `VALID_TCB_INFO_STATUSES`).
    static let tcbInfoLevelStatuses: Set<DCAPTCBStatus> = [
        .upToDate, .swHardeningNeeded, .configurationNeeded, .configurationAndSWHardeningNeeded,
        .outOfDate, .outOfDateConfigurationNeeded, .revoked,
    ]
    /// The statuses a TDX module identity level may carry (`VALID_MODULE_TCB_STATUSES`).
    static let moduleLevelStatuses: Set<DCAPTCBStatus> = [.upToDate, .outOfDate, .revoked]
    /// The statuses an enclave (QE) identity level may carry (`TcbStatus.h`, `parseStringToTcbStatus`).
    static let identityLevelStatuses: Set<DCAPTCBStatus> = [
        .upToDate, .configurationNeeded, .outOfDate, .outOfDateConfigurationNeeded, .revoked,
    ]

    static func parse(_ text: String, what: String) throws(AttestationError) -> DCAPTCBStatus {
        try parse(text, what: what, allowed: tcbInfoLevelStatuses)
    }

    /// Refuses a status outside `allowed`, as Intel's `stringToTcbStatus` does (unrecognised
    /// status: the verification fails).
    static func parse(_ text: String, what: String, allowed: Set<DCAPTCBStatus>) throws(AttestationError) -> DCAPTCBStatus {
        guard let status = DCAPTCBStatus(rawValue: text), allowed.contains(status) else {
            throw AttestationError(.collateralInvalid, "\(what) has unknown tcbStatus \(text)")
        }
        return status
    }

    /// Folds a component's status (the QE's or the TDX module's) into the platform status, as
    /// Intel's QVL does in `convergeTcbStatusWithQeTcbStatus` (TcbLevelCheck.cpp) and
    /// `convergeTcbStatusWithTdxModuleStatus` (TdxModuleCheck.cpp): Revoked wins; an
    /// out-of-date component makes UpToDate / SWHardeningNeeded OutOfDate and
    /// ConfigurationNeeded / ConfigurationAndSWHardeningNeeded OutOfDateConfigurationNeeded,
    /// and leaves every other status as it is; an up-to-date component changes nothing.
    ///
    /// Intel judges these components as UpToDate, Revoked or out of date only:
    /// `EnclaveReportVerifier::verifyEnclaveReport` reports any QE identity level status other
    /// than UpToDate and Revoked as ISVSVN_OUT_OF_DATE, so every such status counts as OutOfDate here.
    func converged(with component: DCAPTCBStatus) -> DCAPTCBStatus {
        switch component {
        case .upToDate:
            return self
        case .revoked:
            return .revoked
        default:
            switch self {
            case .upToDate, .swHardeningNeeded: return .outOfDate
            case .configurationNeeded, .configurationAndSWHardeningNeeded: return .outOfDateConfigurationNeeded
            default: return self
            }
        }
    }

    /// A status that says the platform needs configuration (Intel QVL TDRelaunchCheck.cpp,
    /// `isConfigurationNeeded`).
    var needsConfiguration: Bool {
        switch self {
        case .configurationNeeded, .outOfDateConfigurationNeeded, .configurationAndSWHardeningNeeded,
            .tdRelaunchAdvisedConfigurationNeeded:
            return true
        default:
            return false
        }
    }

    /// Refuses a status that a policy's accepted list does not name, citing the advisories so
    /// an operator can judge whether to accept it.
    func check(accepted: Set<String>, advisoryIds: [String]) throws(AttestationError) {
        guard accepted.contains(rawValue) else {
            let advisories = advisoryIds.isEmpty ? "" : " (advisories \(advisoryIds.joined(separator: ", ")))"
            throw AttestationError(
                .tcbStatusNotAccepted, "TCB status \(rawValue)\(advisories) is not in the accepted list (\(accepted.sorted().joined(separator: ",")))"
            )
        }
    }
}
