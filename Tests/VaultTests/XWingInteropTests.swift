import Codecs
import Crypto
import Testing
@testable import Vault

/// X-Wing interop with an implementation nobody here wrote: pyca/cryptography 48.0,
/// `hpke.Suite(KEM.MLKEM768_X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)`.
///
/// The recipient key is the X-Wing key for the 32-byte seed 0x60..0x7f. On the Python side its
/// public key was built as the X-Wing draft's key generation says (SHAKE-256(seed, 96): ML-KEM-768
/// from the first 64 bytes, X25519 from the last 32) and the key 0xa0..0xbf sealed to it with the
/// vault-put info for owner "acme", key id "orders-2025". Checks that swift-crypto's X-Wing, our
/// suite choice and our info encoding all agree with it.
@Suite struct XWingInteropTests {
    static let seed = (UInt8(0x60)...UInt8(0x7f)).map { $0 }
    /// SHA-256 of the 1216-byte public key pyca derived from the seed.
    static let publicKeySHA256 = "d13209d86547a31ae86a67d9a26c90e5efc1310514195ab06e9b9e12bf328b6a"
    static let enc = hex(
        """
        313d8dd20cdaa91f3b1dda4b41c0a7993c4cdfdca11868273ebe61ee45d5d87e61664e5dc8ffc7ed9c82d4cf92720506
        63239f4a1b004cca3afb0545bbfe5b5f448e653a829258bf3ceb7ed530d7487abb00791fad5593b122e59d7f7af56df8
        489e703df13be16b6a7f33da45412aa5034c9f9471bbb8113ec7c5f4ba141b0453275c5a766479d2a33da66adf86d75d
        47f0eb416479d32b78dc81f17029816d99acac85d7e6590f115e7658f95d9fbfdddb4e5a292ac03eb35efd95bc3ade45
        5757682301cdbb7a2260cd2bbdc691adaf3b905bfe2cb850e9f7b0a5a7be2a49e78300fcd6f16df450955a13ca586826
        20ab985c8bb334bb67fccdd5a2d4eb27ee0cef2ea28e60e6dd34d1cf21fa13685fe0e9c188f96047b366ef6259808a8a
        b532e94407df41672cdcaf0f4c4225594306688a1cbbbe1e8658ed7dcd990fe71485e663b0d2aeb011c2ae27db04cff9
        4fefa3b4a71d4bcb0a4b67bce831b4a05a81dad20a1da63b257bf23f6d872db70fa8c709aa5a9c416c398ebb7f6a1794
        100241b4f98582ba550eabc79b3b6ea98202391a4cceba3df697945d6a3038ddfe042360963d34162bd275b7f16222be
        d6c1c82c5efb878aa7e6e63b43a75744a54eca7e630acd28769c2681b8792832bf988cadb22a9c5c098a7a2692e3ff4d
        0fbd8f338dcb9b786cebb253b8b35fae577b524408bb419e9ff172ce57d59de44100700d9e24e826929bbc44a23f2e62
        b987005a319ae614dc289e09e657177428dab8d08c38ce8315619cfb20c742fd6dc574e623ccacaec612064bc20b3f13
        ce3937d54922c6daddc61f23d17cd14d408918f190a0846474b17c5a3f590999f4d2e86265c3628aae3bc2797e177b34
        8fb72eb9f5511c88482469f9487e6ae907228f1ffb14e506203750403e668c6e06930dcee67566743b2e5dc7199e513b
        74c7f57aaa166df69eac984863f94bfbc1ee2bc998d5f8f105e41509528e3b422181c03503dd6517bc09b790021ca511
        25b087cf9fe39b0d368c172a9953fcef607b28cdff925d2530c1cac16ffd9f2aaa32cba59ec0f36f70de9210b48264f6
        0d8160af62149ffc3486e1d9d2b113442df3c609ff8c1458c1b095bdbb430253a05d803b9a0e0d68ed7bc307677afe74
        60c1f4b00046970b614a30e99343ff3990bfced1970da1baf2a7c7bc20a9433ccb5fe228bf1202619f0c617d7142abd3
        3a1b9c178b77406e237555b832ec85e2c35dce5c3a97184c4b95906263d1220fef1306a7b2128f509f9eae3e63b8b8ee
        5ba850546a898a39f124e0c5c785d65b1021311d3fd1264bc4666b5c12508103a737d99016c85f07bfcb369d6d91aa87
        488009cf09a0d102a05fffb9898abe14242a29ede249ef4571aeadb45f815661844f2dadbc0770de6ddf55568931e50d
        b70150bbd458f4ac17b76c845c2ded48512dc0b1a93b62464f74e99be65a808ad6a681962bb8f7de4c0bdc65c2b9c49e
        6a41506c275374eb940d8270f495586c7c5eb3b7ea4d340ab549cf59be70237d488af7e7f7e5f262a3b459173a6255c0
        523acc834e5874c2b903eb6fad774c3d
        """.filter { !$0.isWhitespace })
    static let ciphertext = hex("e52da5b4b5cd5f9416affb5c73cde7eaeafc6fd74699e183ce808844a5420fde7535f6c9c610a9f7f995d41a2406d47e")

    @Test func publicKeyFromSeedMatches() throws {
        let pair = try KeyWrapKeyPair.derived(suite: .xwingSHA256AES256GCM, seed: SymmetricKey(data: Self.seed))
        #expect(pair.publicKey.count == 1216)
        #expect(Hex.encode(Array(SHA256.hash(data: pair.publicKey))) == Self.publicKeySHA256)
    }

    @Test func opensWhatPycaSealed() throws {
        #expect(Self.enc.count == 1120)
        let pair = try KeyWrapKeyPair.derived(suite: .xwingSHA256AES256GCM, seed: SymmetricKey(data: Self.seed))
        let info = try VaultPut.info(owner: "acme", keyId: "orders-2025")
        let key = try pair.open(WrappedKey(encapsulatedKey: Self.enc, ciphertext: Self.ciphertext), info: info)
        #expect(bytes(of: key) == (UInt8(0xa0)...UInt8(0xbf)).map { $0 })
        #expect(
            vaultErrorCode {
                try pair.open(WrappedKey(encapsulatedKey: Self.enc, ciphertext: Self.ciphertext), info: Array(info.dropLast()) + [0x36])
            } == .decryptionFailed)
    }
}
