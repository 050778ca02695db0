import CYaml

extension ManifestNode {
    /// Checks YAML text at the level of libyaml's parse events, before anything is composed
    /// into a tree: no anchors, no aliases, every mapping key a scalar, at most `maximumNodes`
    /// nodes and 16 levels, and no comment right after a plain value (`Source`).
    ///
    /// Why before composing: Yams' composer checks each mapping for duplicate keys by hashing
    /// its key nodes, and a key that is an alias of a large shared tree costs exponentially
    /// many hash operations in a few hundred bytes of text (SECURITY-REVIEW-2026-12, H1), all
    /// of it before the node budget in `convert` could stop it. A manifest needs neither
    /// anchors nor aliases, so refusing them outright keeps composing linear in the text.
    static func checkEvents(yaml text: String) throws(ManifestError) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw ManifestError("", "the YAML parser could not start") }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        var failure: ManifestError?
        let source = Source(text)
        bytes.withUnsafeBufferPointer { buf in
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
            var walk = EventWalk()
            while failure == nil {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    let problem = parser.problem.map { String(cString: $0) } ?? "syntax error"
                    failure = ManifestError("", "not valid YAML or JSON: \(problem) (line \(parser.problem_mark.line + 1))")
                    break
                }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                do {
                    switch event.type {
                    case YAML_STREAM_END_EVENT:
                        return
                    case YAML_ALIAS_EVENT:
                        throw ManifestError("", "line \(line): YAML aliases (*name) are not allowed in a manifest; write the value out")
                    case YAML_SCALAR_EVENT:
                        try walk.node(scalar: true, anchored: event.data.scalar.anchor != nil, line: line)
                        if Self.isPlainScalar(event) {
                            try source.refuseCommentAfterPlainScalar(
                                start: Int(clamping: event.start_mark.index),
                                end: Int(clamping: event.end_mark.index), line: line)
                        }
                    case YAML_SEQUENCE_START_EVENT:
                        try walk.node(scalar: false, anchored: event.data.sequence_start.anchor != nil, line: line)
                        try walk.push(mapping: false, line: line)
                    case YAML_MAPPING_START_EVENT:
                        try walk.node(scalar: false, anchored: event.data.mapping_start.anchor != nil, line: line)
                        try walk.push(mapping: true, line: line)
                    case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                        walk.pop()
                    default:
                        break  // stream and document boundaries
                    }
                } catch let e as ManifestError {
                    failure = e
                } catch {
                    failure = ManifestError("", "\(error)")
                }
            }
        }
        if let failure { throw failure }
    }

    /// Where the event walk stands: one frame per open collection.
    private struct EventWalk {
        /// A sequence, or a mapping that expects a key (true) or a value (false) next.
        enum Frame { case sequence, mapping(expectKey: Bool) }
        var frames: [Frame] = []
        var nodes = 0

        mutating func node(scalar: Bool, anchored: Bool, line: Int) throws(ManifestError) {
            nodes += 1
            guard nodes <= ManifestNode.maximumNodes else {
                throw ManifestError("", "the document has more than \(ManifestNode.maximumNodes) values")
            }
            guard !anchored else { throw ManifestError("", "line \(line): YAML anchors (&name) are not allowed in a manifest") }
            guard case .mapping(let expectKey)? = frames.last else { return }
            if expectKey && !scalar { throw ManifestError("", "line \(line): every key must be a plain field name, not a list or mapping") }
            frames[frames.count - 1] = .mapping(expectKey: !expectKey)
        }

        mutating func push(mapping: Bool, line: Int) throws(ManifestError) {
            guard frames.count < 16 else { throw ManifestError("", "line \(line): nested deeper than a manifest ever is") }
            frames.append(mapping ? .mapping(expectKey: true) : .sequence)
        }

        mutating func pop() {
            if !frames.isEmpty { frames.removeLast() }
        }
    }
}
