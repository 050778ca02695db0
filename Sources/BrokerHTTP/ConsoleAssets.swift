import HTTPTypes
import Hummingbird

/// The read-only web console at `/console` (issue 15): three static files compiled into the
/// binary (`Console/`, embedded by SwiftPM), served to anyone, since they hold no data; the
/// data routes they call need a log reader's credential. The page runs under a strict CSP:
/// scripts, styles and requests from this origin only, nothing inline, no framing, no forms
/// posted anywhere, so log content (lease ids, purposes, refusal details written by others)
/// cannot run as code even if a rendering path forgot it is text.
enum ConsoleAssets {
    struct Asset: Sendable {
        var path: String
        var contentType: String
        var bytes: [UInt8]
    }

    static let all: [Asset] = [
        Asset(path: "/console", contentType: "text/html; charset=utf-8", bytes: PackageResources.console_html),
        Asset(path: "/console/console.js", contentType: "text/javascript; charset=utf-8", bytes: PackageResources.console_js),
        Asset(path: "/console/console.css", contentType: "text/css; charset=utf-8", bytes: PackageResources.console_css),
    ]

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static func response(_ asset: Asset) -> Response {
        var r = HTTPBody.bytes(asset.bytes, contentType: asset.contentType)
        r.headers[.contentSecurityPolicy] = contentSecurityPolicy
        r.headers[.xContentTypeOptions] = "nosniff"
        r.headers[referrerPolicy] = "no-referrer"
        r.headers[crossOriginOpenerPolicy] = "same-origin"
        return r
    }

    // Not among swift-http-types' names; both literals are valid field names.
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!  // no-trap: a constant, valid name
    static let crossOriginOpenerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!  // no-trap: a constant, valid name
}
