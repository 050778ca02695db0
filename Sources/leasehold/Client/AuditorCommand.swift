import ArgumentParser
import Foundation
import LeaseholdAPI
import LeaseholdClient
import LeaseholdWorkloadCLI

/// `leasehold auditor add|list|revoke`: read-only credentials for the log and the console.
struct AuditorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auditor",
        abstract: "Manage auditor tokens: read-only access to the log's entries and the web console (needs the admin token).",
        discussion:
            "An auditor token reads GET /v1/log/entries, the /v1/audit routes and the console at /console; it is refused (403 read-only-credential) on every route that changes anything. The broker keeps only its SHA-256. A broker started with --public-log lets anyone read without a token.",
        subcommands: [AuditorAdd.self, AuditorList.self, AuditorRevoke.self]
    )
}

/// Where to reach the broker and the admin token, for every auditor subcommand.
struct AdminOptions: ParsableArguments {
    @Option(help: "The broker's base URL, e.g. http://127.0.0.1:8443.") var broker: String
    @OptionGroup var trust: BrokerTrustOptions
    @Option(help: "File holding the admin token (the broker's DATA_DIR/admin.token).") var adminTokenFile: String

    func client() throws -> AdminClient {
        let token = try CLIFiles.readText(adminTokenFile, what: "admin token").trimmingCharacters(in: .whitespacesAndNewlines)
        return AdminClient(try ClientCLI.connection(broker, caFile: trust.caFile), adminToken: token)
    }
}

struct AuditorAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Create an auditor token and print it on stdout (shown once: the broker keeps only its hash)."
    )

    @OptionGroup var admin: AdminOptions
    @Option(help: "A name for the auditor (A-Z a-z 0-9 . _ -), unique, kept after revocation.") var name: String

    func run() async throws {
        let client = try admin.client()
        let info = try await ClientCLI.call { () async throws(LeaseholdClientError) in try await client.addAuditor(name: name) }
        guard let token = info.token else { throw CLIFailure(message: "the broker created auditor \(name) but returned no token") }
        FileHandle.standardError.write(Data("leasehold: auditor \(info.name) added \(info.created); the token below is shown once\n".utf8))
        print(token)
    }
}

struct AuditorList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List auditors (names, when created and revoked; never tokens).")

    @OptionGroup var admin: AdminOptions
    @Flag(help: "One JSON array instead of text.") var json = false

    func run() async throws {
        let client = try admin.client()
        let list = try await ClientCLI.call { () async throws(LeaseholdClientError) in try await client.auditors() }
        if json { ClientCLI.printJSON(list); return }
        let width = max(4, list.map(\.name.count).max() ?? 0)
        print("NAME".padding(toLength: width, withPad: " ", startingAt: 0) + "  CREATED               REVOKED")
        for a in list {
            print(a.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + a.created + "  " + (a.revoked ?? "-"))
        }
    }
}

struct AuditorRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke an auditor's token at once.")

    @OptionGroup var admin: AdminOptions
    @Option(help: "The auditor's name.") var name: String

    func run() async throws {
        let client = try admin.client()
        let info = try await ClientCLI.call { () async throws(LeaseholdClientError) in try await client.revokeAuditor(name: name) }
        print("revoked auditor \(info.name) at \(info.revoked ?? "?")")
    }
}
