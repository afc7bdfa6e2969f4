// Any 3GPP TS 27.007 modem (at-dialects.md section 5): health, identities and call URCs, but
// no known way to move call audio to the host.

extension ModemDialect {
    public static let generic = ModemDialect(
        vendor: .generic,
        name: "generic 27.007",
        usbModels: [],
        identifiers: [],
        iccidCommand: "AT+CCID",
        initCommands: ["AT+CLIP=1", "AT+CRC=1"],
        voiceProbeCommand: nil,
        judgeVoiceProbe: { _ in
            VoiceCapability(capable: false, reason: "unknown vendor: no voice probe or audio path known (generic 27.007 dialect)")
        },
        calls: CallCommands(
            dial: { CallCommands.standardDial($0) },
            answer: ["ATA"],
            hangUp: ["AT+CHUP"],
            hangUpCall: { ["AT+CHLD=1\($0)"] },
            dtmf: { d, _ in CallCommands.vtsDigit(d) },
            enableAudio: [],
            audioStart: .afterCallSetup,
            disableAudio: [],
            audio: .none
        ),
        urcs: ["RING", "+CRING", "+CLIP", "+CREG", "+CPIN", "NO CARRIER"],
        quectelDSCI: false,
        sms: .generic
    )
}
