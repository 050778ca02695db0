import LeaseholdTestSupport
import Broker
@testable import BrokerHTTP
import Foundation
import LeaseholdAPI
import Testing
import Yams

/// docs/PROTOCOL.md (normative, for people) and openapi.yaml (for machines) must say the same:
/// the same reason codes with the statuses the broker answers, every operation, and every
/// schema's members (issue 16).
@Suite struct ProtocolDocumentTests {
    static let root = TestPaths.repository
    static var protocolText: String { get throws { try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8) } }
    static var openAPI: [String: Any] {
        get throws {
            try #require(
                try Yams.load(yaml: String(contentsOf: root.appendingPathComponent("Sources/BrokerHTTP/openapi.yaml"), encoding: .utf8))
                    as? [String: Any])
        }
    }

    /// PROTOCOL §4's table: reason code -> HTTP status.
    func documentedReasons() throws -> [(code: String, status: Int)] {
        let text = try Self.protocolText
        let start = try #require(text.range(of: "## 4. Reason codes")), end = try #require(text.range(of: "## 5. Endpoints"))
        return text[start.upperBound..<end.lowerBound].split(separator: "\n").compactMap { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count > 3, cells[1].hasPrefix("`"), cells[1].hasSuffix("`"), let status = Int(cells[2]) else { return nil }
            return (String(cells[1].dropFirst().dropLast()), status)
        }
    }

    func schemas() throws -> [String: [String: Any]] {
        let components = try #require(try Self.openAPI["components"] as? [String: Any])
        return try #require(components["schemas"] as? [String: [String: Any]])
    }

    @Test func reasonCodesAreOneListWithTheStatusesTheBrokerAnswers() throws {
        let documented = try documentedReasons()
        #expect(documented.count >= 36)
        #expect(Set(documented.map(\.code)).count == documented.count, "each code once")
        let errorBody = try #require(try schemas()["ErrorBody"]?["properties"] as? [String: Any])
        let enumerated = try #require((errorBody["reason"] as? [String: Any])?["enum"] as? [String])
        #expect(enumerated == documented.map(\.code), "openapi.yaml's ErrorBody.reason enum lists PROTOCOL §4's codes in its order")
        // The HTTP layer answers these itself; every other code's status is BrokerError's.
        let httpLayer: [String: Int] = ["request-too-large": 413, "body-incomplete": 400]
        for (code, status) in documented {
            #expect(status == (httpLayer[code] ?? BrokerError(ReasonCode(code), "").httpStatus), "\(code)")
        }
        // Every code the Swift sources declare is documented.
        var declared: Set<String> = []
        let sources = Self.root.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)).compactMap { $0 as? URL }.filter {
            $0.pathExtension == "swift"
        }
        let pattern = try Regex(#"ReasonCode\("([a-z-]+)"\)"#)
        for file in files {
            for match in try String(contentsOf: file, encoding: .utf8).matches(of: pattern) {
                if let code = match.output[1].substring { declared.insert(String(code)) }
            }
        }
        #expect(declared.count >= 30)
        #expect(
            declared.subtracting(documented.map(\.code)).isEmpty,
            "declared but not in PROTOCOL §4: \(declared.subtracting(documented.map(\.code)).sorted())")
    }

    @Test func everyOperationIsInTheProtocol() throws {
        let text = try Self.protocolText
        let paths = try #require(try Self.openAPI["paths"] as? [String: [String: Any]])
        for (path, item) in paths {
            for method in item.keys where ["get", "put", "post", "delete", "patch"].contains(method) {
                let named = text.contains("`\(method.uppercased()) \(path)") || text.contains("`\(path)`")
                #expect(named, "\(method.uppercased()) \(path) is not in PROTOCOL.md")
            }
        }
    }

    /// Each schema is named in PROTOCOL.md. Where a member table follows the name, its members
    /// are exactly the schema's; otherwise each member is named (in backquotes) within the 25
    /// lines that follow the schema's first mention.
    @Test func everySchemaHasTheMembersTheProtocolNames() throws {
        let lines = try Self.protocolText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var tables = 0
        for (name, schema) in try schemas() {
            let properties = Set((schema["properties"] as? [String: Any] ?? [:]).keys)
            guard let first = lines.firstIndex(where: { $0.contains("`\(name)`") }) else {
                Issue.record("schema \(name) is not named in PROTOCOL.md"); continue
            }
            if let table = Self.memberTable(after: name, in: lines) {
                tables += 1
                #expect(table == properties, "\(name): PROTOCOL's table has \(table.sorted()), openapi \(properties.sorted())")
                continue
            }
            let window = lines[first..<min(lines.count, first + 25)].joined(separator: "\n")
            for p in properties {
                let named = ["`", ".", "]"].contains { window.contains($0 + p + "`") }
                #expect(named, "\(name).\(p) is not named near PROTOCOL's first mention of \(name)")
            }
        }
        #expect(tables >= 8, "the request and response types with member tables")
    }

    /// The member names of the table after a line that names `name` and ends in ":"
    /// (`keys[].keyId` and `receipt.logIndex` count as `keys` and `receipt`).
    static func memberTable(after name: String, in lines: [String]) -> Set<String>? {
        for (i, line) in lines.enumerated() where line.contains("`\(name)`") && line.trimmingCharacters(in: .whitespaces).hasSuffix(":") {
            var j = i + 1
            while j < lines.count, lines[j].trimmingCharacters(in: .whitespaces).isEmpty { j += 1 }
            guard j < lines.count, lines[j].hasPrefix("| member") else { continue }
            var names: Set<String> = []
            j += 2
            while j < lines.count, lines[j].hasPrefix("|") {
                let cell = lines[j].split(separator: "|", omittingEmptySubsequences: false)[1]
                for part in cell.split(separator: "`").enumerated() where part.offset % 2 == 1 {
                    names.insert(String(part.element.prefix { $0 != "." && $0 != "[" }))
                }
                j += 1
            }
            return names
        }
        return nil
    }
}
