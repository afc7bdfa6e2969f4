import Testing
@testable import SIPCore

@Suite("Digest authentication")
struct DigestAuthTests {
    /// RFC 2617 §3.5 example.
    @Test func rfc2617ExampleResponse() {
        let ha1 = HA1.compute(user: "Mufasa", realm: "testrealm@host.com", password: "Circle Of Life", algorithm: .md5)
        let r = DigestCredentials.computeResponse(ha1: ha1, nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", method: "GET",
                                                  uri: "/dir/index.html", qop: "auth", nonceCount: 1, cnonce: "0a4f113b")
        #expect(r == "6629fae49393a05397450978507c4ef1")
    }

    /// RFC 7616 §3.9.1 example, SHA-256 and MD5.
    @Test func rfc7616Examples() {
        let nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
        let sha = HA1.compute(user: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life", algorithm: .sha256)
        #expect(DigestCredentials.computeResponse(ha1: sha, nonce: nonce, method: "GET", uri: "/dir/index.html",
                                                  qop: "auth", nonceCount: 1, cnonce: cnonce)
                == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        let md5 = HA1.compute(user: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life", algorithm: .md5)
        #expect(DigestCredentials.computeResponse(ha1: md5, nonce: nonce, method: "GET", uri: "/dir/index.html",
                                                  qop: "auth", nonceCount: 1, cnonce: cnonce)
                == "8ca523f5e9506fed4657c9700eebdbec")
    }

    @Test func rfc7616AuthorizationHeaderParses() throws {
        let header = """
        Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, \
        nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", \
        qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", \
        opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
        """
        let c = try #require(DigestCredentials.parse(header))
        #expect(c.username == "Mufasa" && c.algorithm == .sha256 && c.nonceCount == 1 && c.qop == "auth")
        #expect(c.opaque == "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")
        #expect(DigestCredentials.parse(c.headerValue) == c)
    }

    /// RFC 8760 §2.4: a 401 with SHA-256 then MD5; a client that knows SHA-256 answers it
    /// (here with the RFC 7616 §3.9.1 user and password), an MD5-only client answers the
    /// MD5 one, and the server accepts both, each against the HA1 of its algorithm.
    @Test func sha256AndMD5ChallengesBothAccepted() throws {
        var server = DigestServer(realm: "http-auth@example.org", secret: Array("s3cret-key-material".utf8))
        let challenges = server.challenges(now: 2_000_000, random: 7)
        #expect(challenges.map(\.algorithm) == [.sha256, .md5])
        #expect(challenges[0].nonce != challenges[1].nonce)
        #expect(challenges[0].headerValue.contains("algorithm=SHA-256"))
        let invite = request(.invite)
        var unauthorized = invite.makeResponse(401, toTag: "gw1")
        for c in challenges { unauthorized.headers.append(.wwwAuthenticate, c.headerValue) }
        // Both headers survive serialisation and parsing, in order.
        let wire = try SIPParser.parse(unauthorized.serialized())
        #expect(wire.headers.lines(.wwwAuthenticate).compactMap(DigestChallenge.parse).map(\.algorithm) == [.sha256, .md5])

        let retried = try #require(DigestClient.authorize(invite, challengeResponse: wire, username: "Mufasa", password: "Circle of Life",
                                                          cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", branch: "z9hG4bKr2"))
        let creds = try #require(retried.headers[.authorization].flatMap(DigestCredentials.parse))
        #expect(creds.algorithm == .sha256 && creds.nonce == challenges[0].nonce)
        let sha = HA1.compute(user: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life", algorithm: .sha256)
        let md5 = HA1.compute(user: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life", algorithm: .md5)
        #expect(sha.storedHex == "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232")  // SHA-256("Mufasa:http-auth@example.org:Circle of Life")
        #expect(server.verify(creds, method: .invite, ha1: md5, now: 2_000_001) == .algorithmMismatch)
        #expect(server.verify(creds, method: .invite, ha1: sha, now: 2_000_001) == .authorized)

        let uri = try #require(invite.requestURI).description
        let md5Only = DigestClient.credentials(for: challenges[1], method: .invite, uri: uri, username: "Mufasa",
                                               ha1: md5, cnonce: "0a4f113b", nonceCount: 1)
        #expect(md5Only.algorithm == .md5)
        #expect(server.verify(md5Only, method: .invite, ha1: md5, now: 2_000_002) == .authorized)
    }

    @Test func kamailioStyleChallengeParses() throws {
        let ch = try #require(DigestChallenge.parse(#"Digest realm="127.0.0.1", nonce="ZWN1Y2Fzc2VuZGFw, with comma", qop="auth,auth-int", algorithm=MD5"#))
        #expect(ch.realm == "127.0.0.1" && ch.nonce == "ZWN1Y2Fzc2VuZGFw, with comma" && ch.qop == ["auth", "auth-int"])
        #expect(DigestChallenge.parse(#"Basic realm="x""#) == nil)
    }

    @Test(arguments: DigestAlgorithm.allCases)
    func serverAndClientAgreeAndReplaysAreRefused(_ alg: DigestAlgorithm) {
        var server = DigestServer(realm: "gw.example.net", secret: Array("s3cret-key-material".utf8))
        let stored = HA1.compute(user: "1007", realm: "gw.example.net", password: "pw1007", algorithm: alg)
        let challenge = server.challenge(now: 1_000_000, random: 42, algorithm: alg)
        #expect(challenge.headerValue.contains("qop=\"auth\""))
        #expect(DigestChallenge.parse(challenge.headerValue) == challenge)
        let creds = DigestClient.credentials(for: challenge, method: .invite, uri: "sip:0671234567@gw.example.net",
                                             username: "1007", ha1: stored, cnonce: "abc", nonceCount: 1)
        #expect(server.verify(creds, method: .invite, ha1: stored, now: 1_000_010) == .authorized)
        // Same nonce-count again: replay.
        #expect(server.verify(creds, method: .invite, ha1: stored, now: 1_000_011) == .replay)
        var next = DigestClient.credentials(for: challenge, method: .bye, uri: "sip:0671234567@gw.example.net",
                                            username: "1007", ha1: stored, cnonce: "abd", nonceCount: 2)
        #expect(server.verify(next, method: .bye, ha1: stored, now: 1_000_012) == .authorized)
        // Wrong password.
        let wrong = HA1.compute(user: "1007", realm: "gw.example.net", password: "guess", algorithm: alg)
        next = DigestClient.credentials(for: challenge, method: .bye, uri: "sip:x@y", username: "1007", ha1: wrong, cnonce: "q", nonceCount: 3)
        #expect(server.verify(next, method: .bye, ha1: stored, now: 1_000_013) == .wrongResponse)
        // Method is part of the digest.
        let forInvite = DigestClient.credentials(for: challenge, method: .invite, uri: "sip:x@y", username: "1007", ha1: stored, cnonce: "q", nonceCount: 4)
        #expect(server.verify(forInvite, method: .register, ha1: stored, now: 1_000_013) == .wrongResponse)
        // Credentials for one target do not authorise another.
        let target = DigestClient.credentials(for: challenge, method: .invite, uri: "sip:0671234567@gw.example.net", username: "1007",
                                              ha1: stored, cnonce: "r", nonceCount: 5)
        #expect(server.verify(target, method: .invite, ha1: stored, now: 1_000_014,
                              requestURI: .sip(SIPURI(user: "0044207946", host: "gw.example.net"))) == .uriMismatch)
        #expect(server.verify(target, method: .invite, ha1: stored, now: 1_000_014,
                              requestURI: .sip(SIPURI(user: "0671234567", host: "GW.example.net"))) == .authorized)
    }

    @Test func expiredNonceIsStaleAndForgedNonceInvalid() {
        var server = DigestServer(realm: "r", secret: [1, 2, 3], nonceLifetime: 300)
        let ha1 = HA1.compute(user: "u", realm: "r", password: "p", algorithm: .md5)
        let ch = server.challenge(now: 5000, random: 7)
        let creds = DigestClient.credentials(for: ch, method: .register, uri: "sip:r", username: "u", ha1: ha1, cnonce: "c")
        #expect(server.verify(creds, method: .register, ha1: ha1, now: 5301) == .staleNonce)
        var forged = ch
        forged.nonce = String(ch.nonce.prefix(15)) + "1" + ch.nonce.dropFirst(16)  // move the timestamp
        let fc = DigestClient.credentials(for: forged, method: .register, uri: "sip:r", username: "u", ha1: ha1, cnonce: "c")
        #expect(server.verify(fc, method: .register, ha1: ha1, now: 5001) == .invalidNonce)
        let other = DigestServer(realm: "r", secret: [9, 9, 9])
        let oc = DigestClient.credentials(for: other.challenge(now: 5000, random: 1), method: .register, uri: "sip:r", username: "u", ha1: ha1, cnonce: "c")
        #expect(server.verify(oc, method: .register, ha1: ha1, now: 5001) == .invalidNonce)
        #expect(server.challenge(now: 5000, random: 1, stale: true).headerValue.hasSuffix("stale=true"))
    }

    @Test func withoutQopTheRFC2069FormIsUsed() {
        var server = DigestServer(realm: "r", secret: [1])
        let ha1 = HA1.compute(user: "u", realm: "r", password: "p", algorithm: .md5)
        var ch = server.challenge(now: 10, random: 1)
        ch.qop = []
        let creds = DigestClient.credentials(for: ch, method: .invite, uri: "sip:a@r", username: "u", ha1: ha1, cnonce: "ignored")
        #expect(creds.qop == nil && creds.nonceCount == nil && creds.cnonce == nil)
        #expect(!creds.headerValue.contains("nc="))
        #expect(server.verify(creds, method: .invite, ha1: ha1, now: 11) == .authorized)
    }

    @Test func secretsNeverAppearInDescriptions() {
        let ha1 = HA1.compute(user: "u", realm: "r", password: "hunter2", algorithm: .md5)
        #expect(!String(describing: ha1).contains(ha1.storedHex))
        #expect(!String(describing: ha1).contains("hunter2"))
        let creds = DigestClient.credentials(for: DigestChallenge(realm: "r", nonce: "n"), method: .invite, uri: "sip:a@r",
                                             username: "u", ha1: ha1, cnonce: "c")
        #expect(!String(describing: creds).contains(ha1.storedHex))
    }

    @Test func clientRetriesTheRequestWithProxyAuthorization() throws {
        let invite = request(.invite)
        var challenge = invite.makeResponse(407, toTag: "p")
        challenge.headers.append(.proxyAuthenticate, #"Digest realm="127.0.0.1", nonce="abc", qop="auth", algorithm=MD5"#)
        let retry = try #require(DigestClient.authorize(invite, challengeResponse: challenge, username: "1001", password: "secret1001",
                                                        cnonce: "cn", branch: "z9hG4bKretry"))
        #expect(try retry.cseq() == CSeq(2, .invite))
        #expect(try retry.topVia().branch == "z9hG4bKretry")
        #expect(try retry.vias().count == 1)
        let creds = try #require(retry.headers[.proxyAuthorization].flatMap(DigestCredentials.parse))
        #expect(creds.uri == "sip:0671234567@gw.example.net" && creds.nonceCount == 1 && creds.qop == "auth")
        let ha1 = HA1.compute(user: "1001", realm: "127.0.0.1", password: "secret1001", algorithm: .md5)
        #expect(creds.response == DigestCredentials.computeResponse(ha1: ha1, nonce: "abc", method: "INVITE", uri: creds.uri,
                                                                    qop: "auth", nonceCount: 1, cnonce: "cn"))
        #expect(try SIPParser.parse(retry.serialized()).headers[.proxyAuthorization] != nil)
    }
}
