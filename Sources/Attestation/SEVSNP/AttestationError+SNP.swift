extension AttestationError.Code {
    /// The report was made at a VMPL above the policy's maximum: a less privileged guest layer
    /// (not the one the manifest trusts) asked for it.
    public static let vmplNotAllowed = AttestationError.Code(rawValue: "vmpl-not-allowed")
}
