import Codecs
import Foundation
import Testing
@testable import Vault

@Suite struct RootKeyLoaderTests {
    /// A fresh private directory per test, removed afterwards.
    private func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vault-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir)
    }

    private func mode(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Same root key bytes <=> a record sealed under one opens under the other.
    private func sameKey(_ a: RootKey, _ b: RootKey) throws -> Bool {
        let key = try DataKey.generate()
        let record = try VaultCipher(rootKey: a).seal(key, owner: "o", keyId: "k", version: 1)
        return (try? VaultCipher(rootKey: b).open(record, owner: "o", keyId: "k", version: 1)) == key
    }

    @Test func createsOnFirstStartWithMode0600ThenReadsTheSameKey() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/root.key"
            let (first, source1) = try RootKeyLoader.load(filePath: path, environment: [:])
            #expect(source1 == .file(path: path, created: true))
            #expect(try mode(path) == 0o600)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 32)
            let (second, source2) = try RootKeyLoader.load(filePath: path, environment: [:])
            #expect(source2 == .file(path: path, created: false))
            #expect(try sameKey(first, second))
        }
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o606, 0o610, 0o601, 0o777])
    func refusesGroupOrOtherBits(permissions: Int) throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/root.key"
            _ = try RootKeyLoader.loadOrCreateFile(at: path)
            try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path)
            let error = #expect(throws: VaultError.self) { try RootKeyLoader.load(filePath: path, environment: [:]) }
            #expect(error?.code == .rootKeyInsecure)
            #expect(error?.reason.contains("chmod 600") == true)
        }
    }

    @Test(arguments: [0o600, 0o400])
    func acceptsOwnerOnlyModes(permissions: Int) throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/root.key"
            let (created, _) = try RootKeyLoader.loadOrCreateFile(at: path)
            try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path)
            #expect(try sameKey(created, RootKeyLoader.readFile(at: path)))
        }
    }

    @Test func refusesWrongLengthSymlinkAndDirectory() throws {
        try withTemporaryDirectory { dir in
            for size in [0, 31, 33, 64] {
                let path = dir + "/len\(size).key"
                #expect(
                    FileManager.default.createFile(atPath: path, contents: Data(repeating: 7, count: size), attributes: [.posixPermissions: 0o600]))
                #expect(vaultErrorCode { try RootKeyLoader.readFile(at: path) } == .rootKeyUnavailable, "size \(size)")
            }
            let real = dir + "/real.key"
            _ = try RootKeyLoader.loadOrCreateFile(at: real)
            let link = dir + "/link.key"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
            #expect(vaultErrorCode { try RootKeyLoader.loadOrCreateFile(at: link) } == .rootKeyInsecure)
            let sub = dir + "/sub"
            try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            #expect(vaultErrorCode { try RootKeyLoader.readFile(at: sub) } == .rootKeyInsecure)
            #expect(vaultErrorCode { try RootKeyLoader.readFile(at: dir + "/missing.key") } == .rootKeyUnavailable)
        }
    }

    @Test func environmentVariableWinsAndIsStrict() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/root.key"
            let raw = [UInt8](repeating: 0x42, count: 32)
            let env = [RootKeyLoader.environmentVariable: Base64.encode(raw) + "\n"]
            let (key, source) = try RootKeyLoader.load(filePath: path, environment: env)
            #expect(source == .environment)
            #expect(try sameKey(key, RootKey(bytes: raw)))
            #expect(!FileManager.default.fileExists(atPath: path))

            let bad = ["not base64!", Base64.encode([UInt8](repeating: 1, count: 31)), Base64.encode([UInt8](repeating: 1, count: 33)), "QUJD"]
            for value in bad {
                #expect(
                    vaultErrorCode { try RootKeyLoader.load(filePath: path, environment: [RootKeyLoader.environmentVariable: value]) }
                        == .rootKeyUnavailable, "\(value)")
            }
            // Empty means unset: fall back to the file.
            let (_, fallback) = try RootKeyLoader.load(filePath: path, environment: [RootKeyLoader.environmentVariable: ""])
            #expect(fallback == .file(path: path, created: true))
        }
    }

    @Test func rootKeyMustBe32Bytes() {
        #expect(vaultErrorCode { try RootKey(bytes: [UInt8](repeating: 0, count: 31)) } == .rootKeyUnavailable)
        #expect(vaultErrorCode { try RootKey(bytes: [UInt8](repeating: 0, count: 33)) } == .rootKeyUnavailable)
    }
}
