import Codecs
import Testing
@testable import TransparencyLog

/// Known-answer tests against published vectors, so passing means "agrees with RFC 6962 /
/// RFC 9162", not merely "agrees with itself".
@Suite struct MerkleTreeTests {
    // RFC 6962 reference leaves and roots, as published in transparency-dev/merkle
    // testonly/constants.go (LeafInputs, RootHashes) — the values of the original
    // certificate-transparency C++ merkle tests.
    static let leafInputs = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
    static let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    static func referenceTree(size: Int = 8) -> MemoryTree {
        var t = MemoryTree()
        for s in leafInputs.prefix(size) { t.append(leaf: MerkleHash.leaf(Hex.decode(s)!)) }
        return t
    }

    @Test func emptyRootIsSHA256OfNothing() {
        #expect(MerkleHash.emptyRoot.hex == Self.roots[0])
        #expect(CompactRange().root.hex == Self.roots[0])
    }

    @Test func referenceRootsForEverySize() throws {
        var t = MemoryTree()
        for (i, s) in Self.leafInputs.enumerated() {
            t.append(leaf: MerkleHash.leaf(Hex.decode(s)!))
            #expect(t.root.hex == Self.roots[i + 1], "frontier root at size \(i + 1)")
            #expect(try MerkleProofs.root(size: UInt64(i + 1), t).hex == Self.roots[i + 1], "stored-subtree root at size \(i + 1)")
        }
    }

    // transparency-dev/merkle testdata/inclusion/1/happy-path.json: leaf 0 of the 8-leaf tree.
    @Test func publishedInclusionProofOfLeafZero() throws {
        let t = Self.referenceTree()
        let expected = [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]
        let proof = try MerkleProofs.inclusionProof(index: 0, size: 8, t)
        #expect(proof.map(\.hex) == expected)
        let leaf0 = LogHash(hex: Self.roots[1])!
        let root8 = LogHash(hex: Self.roots[8])!
        #expect(ProofVerification.verifyInclusion(leaf: leaf0, index: 0, size: 8, proof: proof, root: root8))
        var bad = proof
        bad[1] = MerkleHash.leaf([0x42])
        #expect(!ProofVerification.verifyInclusion(leaf: leaf0, index: 0, size: 8, proof: bad, root: root8))
        #expect(!ProofVerification.verifyInclusion(leaf: leaf0, index: 1, size: 8, proof: proof, root: root8))
        #expect(!ProofVerification.verifyInclusion(leaf: leaf0, index: 0, size: 8, proof: Array(proof.dropLast()), root: root8))
    }

    // RFC 9162 §2.1.5 (the example of RFC 6962 §2.1.3): seven leaves d0..d6, tree nodes named
    //   hash = k(g(a b) h(c d)), l(i(e f), j=d6). The RFC states the proof shapes:
    //   PATH(0) = [b, h, l], PATH(3) = [c, g, l], PATH(4) = [f, j, k], PATH(6) = [i, k];
    //   PROOF(3, D[7]) = [c, d, g, l], PROOF(4, D[7]) = [l], PROOF(6, D[7]) = [i, j, k].
    @Test func rfc9162ExampleProofShapes() throws {
        let t = Self.referenceTree(size: 7)
        let leaf = { (i: UInt64) in try t.subtreeHash(level: 0, index: i) }
        let (a, b, c, d, e, f, j) = (try leaf(0), try leaf(1), try leaf(2), try leaf(3), try leaf(4), try leaf(5), try leaf(6))
        let g = MerkleHash.node(a, b), h = MerkleHash.node(c, d), i = MerkleHash.node(e, f)
        let k = MerkleHash.node(g, h), l = MerkleHash.node(i, j)
        #expect(MerkleHash.node(k, l) == t.root)
        #expect(try MerkleProofs.inclusionProof(index: 0, size: 7, t) == [b, h, l])
        #expect(try MerkleProofs.inclusionProof(index: 3, size: 7, t) == [c, g, l])
        #expect(try MerkleProofs.inclusionProof(index: 4, size: 7, t) == [f, j, k])
        #expect(try MerkleProofs.inclusionProof(index: 6, size: 7, t) == [i, k])
        #expect(try MerkleProofs.consistencyProof(oldSize: 3, newSize: 7, t) == [c, d, g, l])
        #expect(try MerkleProofs.consistencyProof(oldSize: 4, newSize: 7, t) == [l])
        #expect(try MerkleProofs.consistencyProof(oldSize: 6, newSize: 7, t) == [i, j, k])
        let root3 = LogHash(hex: Self.roots[3])!
        #expect(ProofVerification.verifyConsistency(oldSize: 3, oldRoot: root3, newSize: 7, newRoot: t.root, proof: [c, d, g, l]))
        #expect(
            !ProofVerification.verifyConsistency(oldSize: 3, oldRoot: LogHash(hex: Self.roots[4])!, newSize: 7, newRoot: t.root, proof: [c, d, g, l]))
    }

    /// Every inclusion and consistency proof of every tree up to 40 leaves verifies, and a proof
    /// with any one hash changed, or for a neighbouring index or size, does not.
    @Test func allProofsRoundTripAndTamperingFails() throws {
        var t = MemoryTree()
        var roots = [MerkleHash.emptyRoot]
        for n in 0..<40 {
            t.append(leaf: MerkleHash.leaf([UInt8(n), 0xAA]))
            roots.append(t.root)
        }
        for n in UInt64(1)...40 {
            for m in 0..<n {
                let leaf = try t.subtreeHash(level: 0, index: m)
                let proof = try MerkleProofs.inclusionProof(index: m, size: n, t)
                #expect(ProofVerification.verifyInclusion(leaf: leaf, index: m, size: n, proof: proof, root: roots[Int(n)]))
                for k in proof.indices {
                    var bad = proof
                    bad[k] = MerkleHash.node(bad[k], bad[k])
                    #expect(!ProofVerification.verifyInclusion(leaf: leaf, index: m, size: n, proof: bad, root: roots[Int(n)]))
                }
                if m + 1 < n {
                    #expect(!ProofVerification.verifyInclusion(leaf: leaf, index: m + 1, size: n, proof: proof, root: roots[Int(n)]))
                }
            }
            for m in 0...n {
                let proof = try MerkleProofs.consistencyProof(oldSize: m, newSize: n, t)
                #expect(ProofVerification.verifyConsistency(oldSize: m, oldRoot: roots[Int(m)], newSize: n, newRoot: roots[Int(n)], proof: proof))
                if m > 0 && m < n {
                    #expect(
                        !ProofVerification.verifyConsistency(oldSize: m, oldRoot: roots[Int(m) - 1], newSize: n, newRoot: roots[Int(n)], proof: proof)
                    )
                    for k in proof.indices {
                        var bad = proof
                        bad[k] = MerkleHash.node(bad[k], bad[k])
                        #expect(
                            !ProofVerification.verifyConsistency(oldSize: m, oldRoot: roots[Int(m)], newSize: n, newRoot: roots[Int(n)], proof: bad))
                    }
                }
            }
        }
    }

    @Test func frontierSerialisationRoundTripsAndRejectsWrongLength() {
        var r = CompactRange()
        for i in 0..<13 { r.append(MerkleHash.leaf([UInt8(i)])) }
        #expect(r.hashes.count == 3)  // 13 = 0b1101
        let back = CompactRange(size: r.size, serializedHashes: r.serializedHashes)
        #expect(back == r)
        #expect(CompactRange(size: 12, serializedHashes: r.serializedHashes) == nil)
    }
}

/// Prefetching must give exactly the proofs that look-ups one at a time give, and ask for
/// O(log n) subtrees, not more.
@Suite struct SubtreePrefetchTests {
    @Test func prefetchedProofsEqualDirectOnes() throws {
        var tree = MemoryTree()
        for i in 0..<300 { tree.append(leaf: MerkleHash.leaf(Array("leaf \(i)".utf8))) }
        var fetches = 0
        func fetch(_ ids: [SubtreePrefetch.ID]) throws -> [SubtreePrefetch.ID: LogHash] {
            fetches += 1
            #expect(ids.count <= 2 * 64, "a proof asks for O(log n) subtrees")
            #expect(Set(ids).count == ids.count, "each subtree is asked for once")
            return Dictionary(uniqueKeysWithValues: try ids.map { ($0, try tree.subtreeHash(level: $0.level, index: $0.index)) })
        }
        for size in [1, 2, 3, 7, 8, 9, 100, 255, 256, 257, 300] as [UInt64] {
            for index in Set([0, size / 2, size - 1]) {
                let direct = try MerkleProofs.inclusionProof(index: index, size: size, tree)
                let prefetched = try SubtreePrefetch.run({ try MerkleProofs.inclusionProof(index: index, size: size, $0) }, fetch: fetch)
                #expect(prefetched == direct, "inclusion \(index) in \(size)")
            }
            for old in Set([1, size / 3 + 1, size]) where old <= size {
                let direct = try MerkleProofs.consistencyProof(oldSize: old, newSize: size, tree)
                let prefetched = try SubtreePrefetch.run({ try MerkleProofs.consistencyProof(oldSize: old, newSize: size, $0) }, fetch: fetch)
                #expect(prefetched == direct, "consistency \(old) -> \(size)")
            }
        }
        #expect(fetches > 0)
    }

    @Test func aSubtreeTheStoreLacksFailsTheProof() {
        var tree = MemoryTree()
        for i in 0..<10 { tree.append(leaf: MerkleHash.leaf([UInt8(i)])) }
        #expect(throws: MerkleProofs.ProofError.self) {
            _ = try SubtreePrefetch.run(
                { try MerkleProofs.inclusionProof(index: 3, size: 10, $0) },
                fetch: { ids in
                    Dictionary(uniqueKeysWithValues: try ids.dropFirst().map { ($0, try tree.subtreeHash(level: $0.level, index: $0.index)) })
                })
        }
    }
}
