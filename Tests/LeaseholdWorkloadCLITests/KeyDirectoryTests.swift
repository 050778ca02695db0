import Foundation
@testable import LeaseholdWorkloadCLI
import Testing

@Suite struct KeyDirectoryTests {
    static let mountinfo = """
        22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
        25 22 0:23 / /dev/shm rw,nosuid,nodev shared:2 - tmpfs tmpfs rw,size=65536k
        26 22 0:24 / /run rw,nosuid shared:3 - tmpfs tmpfs rw
        27 26 0:25 / /run/keys\\040dir rw master:4 - ramfs none rw
        28 26 252:2 / /run/disk rw shared:5 - xfs /dev/vdb rw
        29 22 0:26 / /mnt/odd rw shared:6 extra:7 - tmpfs tmpfs rw
        garbage line
        """

    func classify(_ path: String) throws -> (name: String, memory: Bool) {
        let file = NSTemporaryDirectory() + "mountinfo-\(UUID().uuidString)"
        try Data(Self.mountinfo.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        return KeyDirectory.fileSystem(of: path, mountinfo: file)
    }

    @Test func theLongestMountAboveThePathDecides() throws {
        #expect(try classify("/dev/shm/keys").name == "tmpfs")
        #expect(try classify("/run/leasehold-keys").memory)
        #expect(try classify("/run/keys dir/a").name == "ramfs")  // \040 is a space
        #expect(try classify("/run/disk/keys").memory == false)  // disk mounted under a tmpfs
        #expect(try classify("/run/diskette").memory)  // a prefix that is not a parent
        #expect(try classify("/var/lib/keys").memory == false)
        #expect(try classify("/mnt/odd/x").memory)  // optional fields before "-"
    }

    @Test func aDiskDirectoryIsRefusedUnlessAllowed() throws {
        let dir = FileManager.default.currentDirectoryPath + "/.build/keydir-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let real = KeyDirectory.fileSystem(of: FileManager.default.currentDirectoryPath)
        guard !real.memory else { return }  // the checkout itself is on tmpfs: nothing to refuse
        #expect(throws: CLIFailure.self) { try KeyDirectory(path: dir, allowDisk: false).prepare() }
        #expect(try KeyDirectory(path: dir, allowDisk: true).prepare() == real.name)
        let mode = (try FileManager.default.attributesOfItem(atPath: dir)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o700)
    }

    @Test func durationsParseStrictly() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("30s") == .seconds(30))
        #expect(DurationText.parse("2m") == .seconds(120))
        #expect(DurationText.parse("1h") == .seconds(3600))
        #expect(DurationText.parse("45") == .seconds(45))
        for bad in ["", "s", "-1s", "1.5s", "2d", "25h", "99999999999s", "1 s", "１s"] {
            #expect(DurationText.parse(bad) == nil, "\(bad)")
        }
    }
}
