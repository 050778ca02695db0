import X509

/// The Intel SGX Root CA, the single trust anchor for SGX and TDX DCAP (PCK chains, TCB info and
/// QE identity signing chains, CRLs). Pinned here rather than read from collateral, because
/// whoever supplies the collateral must not be able to choose the root.
///
/// SHA-256 of the DER certificate: 44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3
/// (valid 2018-05-21 .. 2049-12-31), as Intel publishes at
/// https://certificates.trustedservices.intel.com/Intel_SGX_Provisioning_Certification_RootCA.pem.
enum IntelRootCA {
    static let pem = """
        -----BEGIN CERTIFICATE-----
        MIICjzCCAjSgAwIBAgIUImUM1lqdNInzg7SVUr9QGzknBqwwCgYIKoZIzj0EAwIw
        aDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENv
        cnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJ
        BgNVBAYTAlVTMB4XDTE4MDUyMTEwNDUxMFoXDTQ5MTIzMTIzNTk1OVowaDEaMBgG
        A1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENvcnBvcmF0
        aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYT
        AlVTMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC6nEwMDIYZOj/iPWsCzaEKi7
        1OiOSLRFhWGjbnBVJfVnkY4u3IjkDYYL0MxO4mqsyYjlBalTVYxFP2sJBK5zlKOB
        uzCBuDAfBgNVHSMEGDAWgBQiZQzWWp00ifODtJVSv1AbOScGrDBSBgNVHR8ESzBJ
        MEegRaBDhkFodHRwczovL2NlcnRpZmljYXRlcy50cnVzdGVkc2VydmljZXMuaW50
        ZWwuY29tL0ludGVsU0dYUm9vdENBLmRlcjAdBgNVHQ4EFgQUImUM1lqdNInzg7SV
        Ur9QGzknBqwwDgYDVR0PAQH/BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwCgYI
        KoZIzj0EAwIDSQAwRgIhAOW/5QkR+S9CiSDcNoowLuPRLsWGf/Yi7GSX94BgwTwg
        AiEA4J0lrHoMs+Xo5o/sX6O9QWxHRAvZUGOdRQ7cvqRXaqI=
        -----END CERTIFICATE-----
        """

    /// Parsed once; nil only if the constant above were corrupted, which every verification
    /// then reports as chain-invalid rather than trapping.
    static let certificate: Certificate? = try? Certificate(pemEncoded: pem)

    static func require() throws(AttestationError) -> Certificate {
        guard let root = certificate else {
            throw AttestationError(.chainInvalid, "the pinned Intel SGX Root CA does not parse")
        }
        return root
    }
}
