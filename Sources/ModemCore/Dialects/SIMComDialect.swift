// SIMCom (SIM7600 family, SIM7000/7100, A7600, SIM800/SIM900), at-dialects.md section 4.

extension ModemDialect {
    public static let simcom = ModemDialect(
        vendor: .simcom,
        name: "SIMCom",
        usbModels: [
            // ModemManager rules: if 0 QCDM, 1 GPS, 2 AT primary, 3 AT secondary, 4 audio, 5 net.
            USBModelEntry(0x1E0E, 0x9001, "SIM7600/SIM7100/SIM7000", at: 2, audio: 4),
            USBModelEntry(0x1E0E, 0x9011, "A7600E-H/A7602E-H", at: 4, audio: nil, note: "if 5 PPP, if 2 ignored"),
            USBModelEntry(0x1E0E, 0x9205, "SIM7070/SIM7080/SIM7090", at: nil, audio: nil, note: "no audio port"),
            USBModelEntry(0x1E0E, 0x9206, "SIM7070/SIM7080/SIM7090", at: nil, audio: nil, note: "no audio port"),
        ],
        identifiers: ["simcom", "sim7600", "sim7100", "sim7000", "sim800", "sim900", "a7600", "a7670"],
        iccidCommand: "AT+CICCID",
        // RoEdAl's SIMCom init: +CLCC pushed on every change, technology and signal as URCs;
        // then 16 kHz USB PCM (AT+CPCMFRM=1, as ModemManager and RoEdAl's slin16 do, §4.2):
        // wideband audio from the network side, resampled to the 8 kHz G.711 path.
        initCommands: ["AT+CLIP=1", "AT+CRC=1", "AT+CLCC=1", "AT+CEREG=2", "AT+CNSMOD=1", "AT+AUTOCSQ=1,1", "AT+CPCMFRM=1"],
        voiceProbeCommand: "AT+CPCMREG?",
        judgeVoiceProbe: { response in
            if response.final.isSuccess {
                return VoiceCapability(capable: true, reason: "AT+CPCMREG? accepted: USB audio available", sampleRate: 16000)
            }
            return VoiceCapability(capable: false,
                                   reason: "AT+CPCMREG? refused (\(response.final.text)): no USB audio (SIM800-class modules need analog audio)")
        },
        calls: CallCommands(
            dial: { CallCommands.standardDial($0) },
            answer: ["ATA"],
            hangUp: ["AT+CHUP"],
            hangUpCall: { ["AT+CHLD=1\($0)"] },
            dtmf: { d, _ in CallCommands.vtsDigit(d) },
            // Accepted only once the call is active (SIM7600 rejects it while alerting).
            enableAudio: ["AT+CPCMREG=1"],
            audioStart: .whenActive,
            disableAudio: ["AT+CPCMREG=0"],
            audio: .serialPCM,
            audioSampleRate: 16000
        ),
        urcs: ["RING", "+CRING", "+CLIP", "+CLCC", "VOICE CALL: BEGIN", "VOICE CALL: END", "MISSED_CALL",
               "+CSQ", "+CNSMOD", "+RXDTMF", "+DTMF", "+CPIN", "PB DONE", "SMS DONE", "*PSNWID", "*PSUTTZ", "+CMTI", "+CDS"],
        quectelDSCI: false,
        sms: .simcom
    )
}
