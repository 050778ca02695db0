import Foundation
@testable import LeaseholdCore

/// Small manifests for tests, built from text so each test shows the YAML it is about.
enum ManifestFixtures {
    static let measurement48 = String(repeating: "ab", count: 48)

    /// The fields every test manifest shares, up to `workloads:`; append the entries.
    static let header = "owner: acme\nleaseId: l1\npurpose: p\nttl: 1h\nmaxGrants: 1\nkeys: [k]\nworkloads:\n"

    /// A valid sandbox manifest; `extra` lines are appended at the top level, `workloadExtra`
    /// inside the one workload entry.
    static func yaml(
        expiry: String = "ttl: 2h", extra: String = "", workloadExtra: String = "",
        keys: String = "[customer-db-key]", measurement: String = measurement48
    ) -> String {
        """
        owner: acme
        leaseId: lease-2026-001
        purpose: quarterly fraud model training
        \(expiry)
        maxGrants: 3
        keys: \(keys)
        workloads:
          - tee: sandbox
            measurement: \(measurement)
        \(workloadExtra.isEmpty ? "" : "    " + workloadExtra)
        \(extra)
        """
    }
}
