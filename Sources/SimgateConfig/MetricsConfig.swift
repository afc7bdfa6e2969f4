// [metrics]: where Prometheus scrapes the gateway.
//
//     [metrics]
//     listen = "127.0.0.1:9464"    # a TCP listener that serves GET /metrics and nothing else
//
// /metrics is always on the control socket too (and on [control] tcp_listen, with its
// token). The listener here takes no token, as Prometheus scrapes expect; it shows modem
// and SIM identities (modem ids, ICCIDs) and counts, never a secret, and is meant for
// loopback or a management network. 9464 is the port the OpenTelemetry Prometheus exporter
// registered with Prometheus's port allocation list.
public struct MetricsConfig: Sendable, Equatable {
    public var listen: ControlConfig.TCPAddress?

    public init(listen: ControlConfig.TCPAddress? = nil) {
        self.listen = listen
    }

    init(reading r: TableReader) {
        self.init()
        listen = r.string("listen", validate: { s in
            ControlConfig.TCPAddress.parse(s) == nil
                ? "expected host:port with a port in 1...65535 (e.g. \"127.0.0.1:9464\"), got \"\(s)\"" : nil
        }).flatMap(ControlConfig.TCPAddress.parse)
        r.finish()
    }

    func render(into w: inout TOMLWriter) {
        w.table("metrics")
        w.string("listen", listen?.description)
    }
}
