// Huawei voice dongles (E1550, E173, E1750, E153, E171 ...), at-dialects.md section 2.

extension ModemDialect {
    public static let huawei = ModemDialect(
        vendor: .huawei,
        name: "Huawei",
        // chan_dongle's discovery table (pdiscovery.c): data = AT/PCUI port, voice = PCM port.
        usbModels: [
            USBModelEntry(0x12D1, 0x1001, "E1550 and generic", at: 2, audio: 1),
            USBModelEntry(0x12D1, 0x140C, "E17xx", at: 3, audio: 2),
            USBModelEntry(0x12D1, 0x14AC, "E153Du-1", at: 4, audio: 3),
            USBModelEntry(0x12D1, 0x1436, "E1750", at: 4, audio: 3),
            USBModelEntry(0x12D1, 0x1506, "E171 fw 21.x", at: 3, audio: 2,
                          note: "layout depends on AT^SETPORT; {2,1} and {3,2} both reported"),
        ],
        identifiers: ["huawei"],
        iccidCommand: "AT^ICCID?",
        // +CLIP/+CRC so every ring carries the caller (survey complaint 13); ^CURC=1 for ^RSSI
        // and call URCs; call waiting off: two calls break Huawei audio (section 6.8).
        initCommands: ["AT+CLIP=1", "AT+CRC=1", "AT^CURC=1", "AT+CCWA=0,0,1"],
        voiceProbeCommand: "AT^CVOICE?",
        judgeVoiceProbe: { response in
            // `^CVOICE:0,8000,16,20`: mode 0 = voice enabled, rate, bits, period (ms).
            if let line = response.lines.first(where: { $0.hasPrefix("^CVOICE") }) {
                let info = ATInformationLine(line)
                if info.fields.count >= 4, info.int(0) == 0 {
                    let rate = info.int(1)
                    return VoiceCapability(capable: true,
                                           reason: "voice enabled (^CVOICE: \(rate ?? 8000) Hz, \(info.int(2) ?? 16)-bit, \(info.int(3) ?? 20) ms)",
                                           sampleRate: rate)
                }
                return VoiceCapability(capable: false, reason: "firmware reports voice disabled (\(line))")
            }
            if response.final.isSuccess {
                return VoiceCapability(capable: false, reason: "AT^CVOICE? answered OK without a ^CVOICE line")
            }
            return VoiceCapability(capable: false,
                                   reason: "firmware has no voice support (AT^CVOICE? answered \(response.final.text))")
        },
        calls: CallCommands(
            dial: { CallCommands.standardDial($0) },
            answer: ["ATA"],
            hangUp: ["AT+CHUP"],
            hangUpCall: { ["AT+CHLD=1\($0)"] },
            // AT^DTMF=<call_id>,<digit>; A-D are rejected by the firmware.
            dtmf: { d, id in "0123456789*#".contains(d) ? "AT^DTMF=\(id ?? 1),\(d)" : nil },
            enableAudio: ["AT^DDSETEX=2"],
            audioStart: .afterCallSetup,
            disableAudio: [],
            audio: .serialPCM
        ),
        urcs: ["RING", "+CRING", "+CLIP", "^ORIG", "^CONF", "^CONN", "^CEND", "^RSSI", "^HCSQ", "^BOOT",
               "^MODE", "^SRVST", "^SIMST", "^DSFLOWRPT", "^DDTMF", "+CREG", "+CMTI", "+CDSI", "+CUSD", "^SMMEMFULL"],
        quectelDSCI: false,
        sms: .huawei,
        ussd: .huawei
    )
}
