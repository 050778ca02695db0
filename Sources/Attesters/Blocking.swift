import Dispatch

/// Runs blocking system calls off Swift's cooperative thread pool.
///
/// Generating a TDX quote blocks in read() for seconds, and an SNP request can block for up to
/// a minute while the host is busy; doing that on the cooperative pool would stall every
/// other task of the process.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(AttesterError) -> T) async throws(AttesterError) -> T {
        let result: Result<T, AttesterError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(AttesterError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
