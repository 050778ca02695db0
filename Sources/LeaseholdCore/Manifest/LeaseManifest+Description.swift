import Codecs
import Attestation

/// What you sign is what you see (CRYPTO-REVIEW-2026-12 M5): the whole manifest in plain
/// words, then the exact canonical JSON that is signed and its SHA-256 digest.
///
/// `manifest sign` shows this before it asks for confirmation, and `manifest show` and
/// `manifest verify` show it for a received envelope. Every field is listed, defaults and
/// absent optional fields included, each under its manifest name, so the owner can hold the
/// text against the YAML they wrote line by line. Workload fields come from each entry's
/// canonical fields (`WorkloadRequirement.fields`), so a field added to a TEE shows up here
/// even before it is given words. Text the owner wrote (the purpose) is quoted whole;
/// characters that do not print (controls, bidirectional overrides, zero-width and other
/// format characters, unusual spaces) are shown as `\u{…}` escapes so nothing in it is hidden.
extension LeaseManifest {
    public var plainDescription: String {
        var out: [String] = []
        out.append("Lease \(owner)/\(leaseId): every field of the manifest as it is signed, defaults included.")
        out.append("  owner: \(owner) (the registered owner whose key must sign it)")
        out.append("  leaseId: \(leaseId)")
        out.append("  purpose: \(Self.quoted(purpose))")

        let start: String
        if let notBefore {
            start = "\(ManifestTime.format(notBefore)) (UTC): no key is released before this moment"
        } else {
            start = "not set: the lease starts from the moment it is issued"
        }
        out.append("  notBefore: \(start)")
        switch expiry {
        case .notAfter(let t):
            out.append("  notAfter: \(ManifestTime.format(t)) (UTC): no key is released at or after this moment")
        case .ttl(let d):
            let end = notBefore.map { "at \(ManifestTime.format($0 + d.seconds)) (UTC)" }
            out.append("  ttl: \(d): the lease ends \(Self.words(d)) after it starts\(end.map { ", " + $0 } ?? " (counted from its issue)")")
        }
        if let issueBefore {
            out.append("  issueBefore: \(ManifestTime.format(issueBefore)) (UTC): no broker may issue the lease at or after this moment")
        } else {
            out.append("  issueBefore: not set: the envelope can be issued at any time before the lease would have ended")
        }
        if let broker {
            out.append("  broker: \(broker): only the broker with this log key may issue the lease")
        } else {
            out.append("  broker: not set: any broker where \(owner) is registered may issue the lease")
        }
        out.append("  maxGrants: \(maxGrants): the keys are released at most \(maxGrants) \(maxGrants == 1 ? "time" : "times") in all")
        out.append("  keys: \(keys.joined(separator: ", ")) (\(keys.count) vault \(keys.count == 1 ? "key" : "keys"), and no others)")
        switch receipts {
        case .required: out.append("  receipts: required: the workload must report what it did with the keys and that it erased them")
        case .optional: out.append("  receipts: optional: the workload may report what it did with the keys, but need not")
        }
        if let suite {
            out.append("  suite: \(suite): grants must wrap the keys with this key transport")
        } else {
            out.append("  suite: not set: the workload chooses among the broker's key transports")
        }
        out.append(
            "  workloads: \(workloads.count) \(workloads.count == 1 ? "entry" : "entries"); the keys go only to software that matches one (the first that matches is used)"
        )
        for (i, w) in workloads.enumerated() {
            out.append(contentsOf: w.plainDescription(index: i))
        }

        let json = canonicalJSON
        let (shownJSON, escaped) = Self.visibleJSON(json)
        out.append(
            "Canonical JSON (the signed payload, \(json.count) bytes\(escaped ? "; characters that do not print are shown as \\u escapes, the payload holds them as UTF-8" : "")):"
        )
        out.append(shownJSON)
        out.append("SHA-256 digest (the lease's name in the log and in the workload's evidence): \(Hex.encode(digest))")
        return out.joined(separator: "\n") + "\n"
    }

    /// `2h` as "2 hours".
    static func words(_ d: Duration) -> String {
        let unit: String
        switch d.unit {
        case .seconds: unit = "second"
        case .minutes: unit = "minute"
        case .hours: unit = "hour"
        case .days: unit = "day"
        }
        return "\(d.count) \(unit)\(d.count == 1 ? "" : "s")"
    }

    /// Whether a character is shown as an escape: controls, format characters (bidirectional
    /// overrides, zero-width joiners, soft hyphens), line and paragraph separators, private
    /// use, unassigned code points, and every space but U+0020.
    static func hidesItself(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned:
            return true
        case .spaceSeparator:
            return c != " "
        default:
            return false
        }
    }

    /// Text in double quotes, whole: `"` and `\` escaped, characters that do not print as
    /// `\n`, `\t` or `\u{XXXX}`.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for c in text.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if hidesItself(c) {
                    out += "\\u{" + String(c.value, radix: 16, uppercase: true) + "}"
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }

    /// The canonical JSON as text, with characters that do not print written as JSON `\u`
    /// escapes (same JSON value, not the same bytes; the flag says whether any was).
    static func visibleJSON(_ bytes: [UInt8]) -> (String, Bool) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.unicodeScalars.contains(where: hidesItself) else { return (text, false) }
        var out = ""
        for c in text.unicodeScalars {
            if hidesItself(c) {
                for unit in String(c).utf16 { out += "\\u" + hex4(unit) }
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return (out, true)
    }

    private static func hex4(_ v: UInt16) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 4 - s.count) + s
    }
}

extension WorkloadEntry {
    /// One line for the entry, then one per field it constrains: every field of its
    /// canonical form (`requirement.fields`) under its manifest name with its value and what
    /// it means, and the optional fields it leaves out, as "not checked".
    func plainDescription(index: Int) -> [String] {
        let schema = Self.schema(tee)
        var lines = ["  workloads[\(index)]: tee \(tee.rawValue) (\(schema.title))"]
        let fields = requirement.fields
        for field in schema.fields {
            if let value = fields[field.name] {
                lines.append("    \(field.name): \(Self.show(value)) (\(field.meaning(value)))")
            } else if let absent = field.absent {
                lines.append("    \(field.name): not set: \(absent)")
            }
        }
        // A field nobody has described yet is still shown, by its name and value.
        for name in fields.keys.sorted() where !schema.fields.contains(where: { $0.name == name }) {
            lines.append("    \(name): \(Self.show(fields[name] ?? .null))")
        }
        for note in schema.notes { lines.append("    \(note)") }
        return lines
    }

    /// A canonical value in plain words: text and hex as they are, lists joined by commas,
    /// mappings as `name >= value` minimums (the one mapping, `minimumReportedTcb`, is one).
    static func show(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .string(let s): return s.unicodeScalars.contains(where: LeaseManifest.hidesItself) || s.contains(" ") ? LeaseManifest.quoted(s) : s
        case .array(let items): return items.map(show).joined(separator: ", ")
        case .object(let pairs): return pairs.map { "\($0.0) >= \(show($0.1))" }.joined(separator: ", ")
        }
    }

    struct Field: Sendable {
        var name: String
        /// What a present value means, in words.
        var meaning: @Sendable (JSONValue) -> String
        /// What leaving the field out means; nil for fields that are always written.
        var absent: String?
    }

    struct Schema: Sendable {
        var title: String
        var fields: [Field]
        var notes: [String] = []
    }

    static func exact(_ what: String) -> @Sendable (JSONValue) -> String { { _ in "\(what) must be exactly this" } }

    static let debug = Field(
        name: "allowDebug",
        meaning: { v in
            v.boolValue == true
                ? "DEBUG ALLOWED: a TEE in debug mode, whose memory its host can read, may receive the keys"
                : "a TEE in debug mode is refused"
        }, absent: nil)

    static let acceptTcb = Field(
        name: "acceptTcb",
        meaning: { _ in
            "the Intel TCB statuses accepted; any other is refused, and Revoked always is"
        }, absent: nil)

    static let notChecked = "any value is accepted (not checked)"

    /// The fields of each TEE's entry in the order the manifest reference lists them.
    static func schema(_ tee: TEE) -> Schema {
        switch tee {
        case .sevSNP:
            return Schema(
                title: "AMD SEV-SNP confidential VM",
                fields: [
                    Field(name: "measurement", meaning: exact("MEASUREMENT, the VM's launch digest,"), absent: nil),
                    Field(name: "hostData", meaning: exact("HOST_DATA, set by the host at launch,"), absent: notChecked),
                    Field(name: "idKeyDigest", meaning: exact("ID_KEY_DIGEST, the key that signed the VM's ID block,"), absent: notChecked),
                    debug,
                    Field(
                        name: "maxVmpl", meaning: { v in "the report must be requested at VMPL \(show(v)) or a more privileged one" },
                        absent: "a report requested at any VMPL is accepted"),
                    Field(
                        name: "minimumReportedTcb", meaning: { _ in "the platform's reported TCB must be at least these versions" },
                        absent: "any firmware version is accepted"),
                ])
        case .tdx:
            return Schema(
                title: "Intel TDX trust domain",
                fields: [
                    Field(name: "mrTd", meaning: exact("MRTD, the TD's initial contents,"), absent: nil),
                    Field(name: "rtmr0", meaning: exact("RTMR0, the firmware configuration,"), absent: notChecked),
                    Field(name: "rtmr1", meaning: exact("RTMR1, the OS loader and kernel,"), absent: notChecked),
                    Field(name: "rtmr2", meaning: exact("RTMR2, the OS and application,"), absent: notChecked),
                    Field(name: "rtmr3", meaning: exact("RTMR3, the run-time extensions,"), absent: notChecked),
                    Field(name: "mrConfigId", meaning: exact("MRCONFIGID"), absent: notChecked),
                    Field(
                        name: "minimumTeeTcbSvn", meaning: { _ in "TEE_TCB_SVN must be at least this, byte by byte" },
                        absent: "any TEE_TCB_SVN is accepted"),
                    debug,
                    acceptTcb,
                ])
        case .sgx:
            return Schema(
                title: "Intel SGX enclave",
                fields: [
                    Field(
                        name: "mrEnclave", meaning: exact("MRENCLAVE, the enclave's code and data,"),
                        absent: "ANY enclave signed by mrSigner for product isvProdId is accepted"),
                    Field(name: "mrSigner", meaning: exact("MRSIGNER, the digest of the enclave signer's key,"), absent: notChecked),
                    Field(name: "isvProdId", meaning: exact("ISVPRODID, the product id,"), absent: notChecked),
                    Field(
                        name: "minimumIsvSvn", meaning: { v in "ISVSVN, the enclave's security version, must be at least \(show(v))" }, absent: nil),
                    debug,
                    acceptTcb,
                ])
        case .nitro:
            return Schema(
                title: "AWS Nitro Enclave",
                fields: [
                    Field(name: "pcr0", meaning: exact("PCR0, the enclave image,"), absent: nil),
                    Field(name: "pcr1", meaning: exact("PCR1, the kernel and boot ramfs,"), absent: notChecked),
                    Field(name: "pcr2", meaning: exact("PCR2, the application,"), absent: notChecked),
                    Field(name: "pcr3", meaning: exact("PCR3, the parent instance's IAM role,"), absent: notChecked),
                    Field(name: "pcr4", meaning: exact("PCR4, the parent instance's id,"), absent: notChecked),
                    Field(name: "pcr8", meaning: exact("PCR8, the image's signing certificate,"), absent: notChecked),
                    debug,
                ])
        case .sandbox:
            return Schema(
                title: "software sandbox, NOT a secure environment",
                fields: [
                    Field(name: "measurement", meaning: exact("the sandbox program's measurement"), absent: nil)
                ],
                notes: [
                    "(no allowDebug: sandbox evidence that claims debug is always refused)",
                    "INSECURE: sandbox evidence is signed with a published development key; only a broker started with --allow-sandbox honours it. Never for real data.",
                ])
        }
    }
}
