import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Per-connection time limits and the cap on open connections (review finding H3: without
/// them, stalled clients hold file descriptors and buffered bodies for ever).
///
/// A connection is always in one of four phases, each with its own clock:
/// - idle (no request under way: after the TLS handshake started, or after a response was
///   sent): closed after `idleTimeout`; this also bounds a stalled TLS handshake, whose bytes
///   never reach the HTTP layer;
/// - reading a request head (its first byte has arrived): closed unless the whole head has
///   arrived within `requestHeadTimeout`, however slowly bytes trickle in (slowloris);
/// - reading a body: closed unless the whole body has arrived within `requestBodyTimeout`
///   of the head's end;
/// - answering (the request has been read, the broker is working): no limit here; the broker
///   bounds its own work.
public struct ConnectionLimits: Sendable, Hashable {
    public var idleTimeout: Duration
    public var requestHeadTimeout: Duration
    public var requestBodyTimeout: Duration
    /// Connections open at once; one more is accepted and closed at once (not left waiting in
    /// the kernel's backlog, where it would still hold a slot and time out unanswered).
    public var maxConnections: Int

    public init(
        idleTimeout: Duration = .seconds(30), requestHeadTimeout: Duration = .seconds(30),
        requestBodyTimeout: Duration = .seconds(30), maxConnections: Int = 512
    ) {
        self.idleTimeout = idleTimeout
        self.requestHeadTimeout = requestHeadTimeout
        self.requestBodyTimeout = requestBodyTimeout
        self.maxConnections = maxConnections
    }

    /// `serve`'s defaults: a head or body stalled for 30 s, or a connection idle for 30 s, is
    /// closed; at most 512 connections (below the usual 1024 descriptors per process).
    public static let `default` = ConnectionLimits()
}

/// The phase clocks of one connection, as a value: fed events and times, it says when the
/// connection is due to be closed. No I/O, so it is tested with made-up times.
struct ConnectionDeadlines {
    enum Phase: String, Sendable, CaseIterable {
        case idle, head, body
    }

    private enum Reading: Equatable {
        case nothing
        case head(since: NIODeadline)
        case body(since: NIODeadline)
    }

    let idle: TimeAmount
    let head: TimeAmount
    let body: TimeAmount
    private var reading = Reading.nothing
    /// Requests whose response has not ended yet (pipelined requests can make it more than 1).
    private var answering = 0
    private var idleSince: NIODeadline

    init(_ limits: ConnectionLimits, now: NIODeadline) {
        idle = TimeAmount(limits.idleTimeout)
        head = TimeAmount(limits.requestHeadTimeout)
        body = TimeAmount(limits.requestBodyTimeout)
        idleSince = now
    }

    /// Bytes of a request arrived: the first ones after the previous request start its head's clock.
    mutating func bytesArrived(now: NIODeadline) {
        if reading == .nothing { reading = .head(since: now) }
    }

    mutating func headReceived(now: NIODeadline) {
        reading = .body(since: now)
        answering += 1
    }

    mutating func requestEnded() {
        reading = .nothing
    }

    mutating func responseEnded(now: NIODeadline) {
        answering = max(0, answering - 1)
        if answering == 0 { idleSince = now }
    }

    /// When the connection is due to be closed, and for what, or nil while the broker answers.
    var deadline: (at: NIODeadline, phase: Phase)? {
        switch reading {
        case .head(let since): return (since + head, .head)
        case .body(let since): return (since + body, .body)
        case .nothing: return answering == 0 ? (idleSince + idle, .idle) : nil
        }
    }

    /// The phase whose limit has passed at `now`, if any.
    func expired(now: NIODeadline) -> Phase? {
        guard let d = deadline, now >= d.at else { return nil }
        return d.phase
    }
}

/// Sits before the HTTP decoder and tells `ConnectionDeadlineHandler` (after it) that request
/// bytes arrived, which the decoder only reports once a whole head is in.
final class RequestBytesHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    struct BytesArrived: Sendable {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(BytesArrived())
        context.fireChannelRead(data)
    }
}

/// Applies `ConnectionDeadlines` to a channel: one timer, re-armed only when the deadline
/// moves earlier (events that push it later just let the timer fire, find nothing due and
/// re-arm), so a busy connection costs no timer churn.
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var state: ConnectionDeadlines
    private var timer: Scheduled<Void>?
    private var timerAt: NIODeadline?
    private let onTimeout: @Sendable (ConnectionDeadlines.Phase) -> Void

    init(limits: ConnectionLimits, onTimeout: @escaping @Sendable (ConnectionDeadlines.Phase) -> Void) {
        state = ConnectionDeadlines(limits, now: .now())
        self.onTimeout = onTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        rearm(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RequestBytesHandler.BytesArrived {
            state.bytesArrived(now: .now())
            rearm(context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: state.headReceived(now: .now())
        case .body: break
        case .end: state.requestEnded()
        }
        rearm(context)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            state.responseEnded(now: .now())
            rearm(context)
        }
        context.write(data, promise: promise)
    }

    private func rearm(_ context: ChannelHandlerContext) {
        guard let due = state.deadline?.at else { return }
        if let timerAt, timerAt <= due { return }
        timer?.cancel()
        timerAt = due
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) { [self] in
            timer = nil
            timerAt = nil
            if let phase = state.expired(now: .now()) {
                onTimeout(phase)
                context.close(promise: nil)
            } else {
                rearm(context)
            }
        }
    }
}

/// Hummingbird's HTTP/1 channel with the deadline handlers around its pipeline. Hummingbird's
/// own `idleTimeout` is left off: its clock restarts at every decoded request part, so it
/// cannot tell an idle connection from a head trickled byte by byte, nor bound a whole body.
struct DeadlineChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let base: HTTP1Channel

    init(
        responder: @escaping HTTPChannelHandler.Responder, limits: ConnectionLimits,
        onTimeout: @escaping @Sendable (ConnectionDeadlines.Phase) -> Void
    ) {
        base = HTTP1Channel(
            responder: responder, configuration: .init(additionalChannelHandlers: [ConnectionDeadlineHandler(limits: limits, onTimeout: onTimeout)]))
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        // Added first, the bytes handler sits between TLS (if any) and the HTTP decoder.
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RequestBytesHandler())
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Counts open connections across event loops.
final class ConnectionCounter: Sendable {
    let limit: Int
    private let open = Mutex(0)

    init(limit: Int) { self.limit = limit }

    /// Takes a slot, or says there is none.
    func admit() -> Bool {
        open.withLock { n in
            guard n < limit else { return false }
            n += 1
            return true
        }
    }

    func release() { open.withLock { $0 -= 1 } }

    var current: Int { open.withLock { $0 } }
}

/// The outermost child channel: a connection over the cap is closed before anything else
/// (TLS handshake included) is spent on it.
struct CappedChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let counter: ConnectionCounter
    let onRefused: @Sendable () -> Void

    struct Refused: Error {}

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard counter.admit() else {
            onRefused()
            // A failed setup is dropped by the server (the channel is never registered), so
            // the socket is closed here; the client sees the connection end at once.
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(Refused())
        }
        let counter = self.counter
        channel.closeFuture.whenComplete { _ in counter.release() }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
