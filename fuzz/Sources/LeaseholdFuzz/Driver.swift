import Foundation

// One binary, every target (main.swift hands control to libFuzzer): LEASEHOLD_FUZZ_TARGET names the target (see `targets`).
// LEASEHOLD_FUZZ_WRITE_SEEDS=DIR instead writes seed inputs for every target (from the real
// vectors in LEASEHOLD_FUZZ_VECTORS and the repository in LEASEHOLD_FUZZ_REPO) and exits.

nonisolated(unsafe) var selected: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    let env = ProcessInfo.processInfo.environment
    if let dir = env["LEASEHOLD_FUZZ_WRITE_SEEDS"] {
        SeedWriter.writeAll(to: dir, vectors: env["LEASEHOLD_FUZZ_VECTORS"], repo: env["LEASEHOLD_FUZZ_REPO"])
        exit(0)
    }
    let name = env["LEASEHOLD_FUZZ_TARGET"] ?? ""
    if name == "list" {
        for t in targets { print("\(t.name)\t\(t.summary)") }
        exit(0)
    }
    guard let target = targets.first(where: { $0.name == name }) else {
        FileHandle.standardError.write(Data("LEASEHOLD_FUZZ_TARGET must name one of: \(targets.map(\.name).joined(separator: " "))\n".utf8))
        exit(2)
    }
    selected = target
    // Build the fixed keys and templates now, not inside the first measured input.
    _ = FixedKeys.emptyAuditor
    _ = FixedKeys.owner
    _ = PCKTemplate.parts
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = (start == nil || count == 0) ? [] : Array(UnsafeBufferPointer(start: start, count: count))
    selected?.run(bytes)
    return 0
}
