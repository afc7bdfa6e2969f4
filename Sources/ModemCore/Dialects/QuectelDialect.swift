// Quectel (EC25, EC21, EG25, EG9x, UC15, UC20, EC200U ...), at-dialects.md section 3.

extension ModemDialect {
    public static let quectel = ModemDialect(
        vendor: .quectel,
        name: "Quectel",
        // Qualcomm-based EC2x/EG2x (ModemManager rules): if 0 DIAG, if 1 NMEA (carries PCM
        // after AT+QPCMV=1,0), if 2 AT primary, if 3 AT secondary/PPP.
        usbModels: [
            USBModelEntry(0x2C7C, 0x0125, "EC25/EG25", at: 2, audio: 1),
            USBModelEntry(0x2C7C, 0x0121, "EC21", at: 2, audio: 1),
            USBModelEntry(0x2C7C, 0x0191, "EG91", at: 2, audio: 1, note: "EC2x layout assumed"),
            USBModelEntry(0x2C7C, 0x0195, "EG95", at: 2, audio: 1, note: "EC2x layout assumed"),
            USBModelEntry(0x2C7C, 0x0296, "BG96", at: 2, audio: nil, note: "EC2x layout assumed; no USB voice known"),
            USBModelEntry(0x2C7C, 0x0306, "EG06", at: 2, audio: 1, note: "EC2x layout assumed"),
            USBModelEntry(0x2C7C, 0x0800, "RM500", at: 2, audio: nil, note: "EC2x layout assumed"),
            USBModelEntry(0x2C7C, 0x0901, "EC200U (Unisoc)", at: 0, audio: nil,
                          note: "answered AT on ttyUSB0; 7 serial ports plus ECM, configure explicitly"),
            USBModelEntry(0x05C6, 0x9003, "UC20", at: nil, audio: nil, note: "Qualcomm VID; configure ports"),
            USBModelEntry(0x05C6, 0x9090, "UC15", at: nil, audio: nil, note: "Qualcomm VID; configure ports"),
        ],
        identifiers: ["quectel", "ec25", "eg25", "ec21", "eg91", "eg95", "ec200"],
        iccidCommand: "AT+QCCID",
        // RoEdAl chan_quectel's Quectel part: call state, signal and technology pushed as URCs.
        initCommands: ["AT+CLIP=1", "AT+CRC=1", "AT+QINDCFG=\"ccinfo\",1,0", "AT+QINDCFG=\"csq\",1,0",
                       "AT+QINDCFG=\"act\",1,0", "AT+QTONEDET=1", "AT+CEREG=2"],
        voiceProbeCommand: "AT+QPCMV?",
        judgeVoiceProbe: { response in
            if response.final.isSuccess {
                return VoiceCapability(capable: true, reason: "AT+QPCMV? accepted: voice over USB available", sampleRate: 8000)
            }
            return VoiceCapability(capable: false,
                                   reason: "firmware refuses AT+QPCMV? (\(response.final.text)): no USB voice")
        },
        calls: CallCommands(
            dial: { CallCommands.standardDial($0) },
            answer: ["ATA"],
            hangUp: ["AT+CHUP"],
            // AT+QHUP=<cause>,<idx>: 16 = normal clearing.
            hangUpCall: { ["AT+QHUP=16,\($0)"] },
            dtmf: { d, _ in CallCommands.vtsDigit(d) },
            // Switching modes fails while one is on, so turn it off first (section 3.2).
            enableAudio: ["AT+QPCMV=0", "AT+QPCMV=1,0"],
            audioStart: .beforeCallSetup,
            disableAudio: ["AT+QPCMV=0"],
            audio: .serialPCM,
            // Voice to the UAC sound card (enabled once with AT+QCFG="USBCFG", section 3.2):
            // port 2 instead of 0, again after turning the switch off.
            enableUSBAudio: ["AT+QPCMV=0", "AT+QPCMV=1,2"]
        ),
        urcs: ["RING", "+CRING", "+CLIP", "+QIND", "^DSCI", "+CLCC", "+QTONEDET", "+CREG", "+CEREG",
               "+CPIN", "RDY", "POWERED DOWN", "NO CARRIER", "+CMTI", "+CDS", "+CMT"],
        quectelDSCI: true,
        sms: .quectel
    )
}
