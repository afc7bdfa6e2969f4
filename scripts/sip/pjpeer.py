"""The pjsua2 set-up both PJSIP peers share (pj_echo_call.py, pj_phone.py).

Headless on loopback: no threads of its own (the caller drives libHandleEvents), the null
sound device (it still clocks the conference bridge, so players and recorders work), G.711
only, 8 kHz, no VAD or echo canceller so the audio checks see the signal as sent.
"""
import pjsua2 as pj


def start_endpoint(max_calls=None, max_media_ports=None):
    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    if max_calls is not None:
        cfg.uaConfig.maxCalls = max_calls
    cfg.logConfig.level = 1
    cfg.logConfig.consoleLevel = 1
    cfg.medConfig.clockRate = 8000
    cfg.medConfig.sndClockRate = 8000
    cfg.medConfig.noVad = True
    cfg.medConfig.ecTailLen = 0
    if max_media_ports is not None:
        cfg.medConfig.maxMediaPorts = max_media_ports
    ep.libInit(cfg)
    tcfg = pj.TransportConfig()
    tcfg.port = 0
    tcfg.boundAddress = "127.0.0.1"
    tcfg.publicAddress = "127.0.0.1"
    ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
    ep.libStart()
    ep.audDevManager().setNullDev()
    for c in ep.codecEnum2():
        ep.codecSetPriority(c.codecId, 0)
    ep.codecSetPriority("PCMU/8000", 255)
    ep.codecSetPriority("PCMA/8000", 254)
    return ep
