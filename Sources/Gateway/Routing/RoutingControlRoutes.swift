// Control API routes of routing: route explanation, SIM usage, numbering data.
import ControlModel
import Foundation
import NIOHTTP1
import RoutingCore

struct RoutingControlRoutes: Sendable {
    let service: RoutingService

    /// nil when the path is not a routing route.
    func route(_ request: ControlRequest) async -> ControlResponse? {
        switch (request.method, request.path) {
        case (.GET, RoutingRoute.explain):
            guard let number = request.query["number"], !number.isEmpty else {
                return .error(.badRequest, "query parameter number is required, e.g. ?number=%2B79161234567")
            }
            let user = request.query["user"].flatMap { $0.isEmpty ? nil : $0 }
            return .json(await service.plan(dialled: number, user: user, now: Date()))
        case (.GET, RoutingRoute.sims):
            return .json(await service.simUsage(now: Date()))
        case (.GET, RoutingRoute.numbering):
            return .json(service.numbering.status)
        case (.POST, RoutingRoute.numberingReload):
            return .json(await service.numbering.reload(reason: "control API"))
        case (.POST, RoutingRoute.numberingImport):
            guard let body = try? ControlJSON.decoder().decode(NumberingImportRequest.self, from: Data(request.body)) else {
                return .error(.badRequest, "body must be JSON {\"format\": \"registry|libphonenumber|bdpn|csv\", \"path\": \"/abs/file\"}")
            }
            guard let format = NumberingSource.Format(rawValue: body.format) else {
                return .error(.badRequest, "format must be one of registry, libphonenumber, bdpn, csv; got \"\(body.format)\"")
            }
            return .json(await service.numbering.importFile(path: body.path, format: format))
        case (_, RoutingRoute.explain), (_, RoutingRoute.sims), (_, RoutingRoute.numbering),
             (_, RoutingRoute.numberingReload), (_, RoutingRoute.numberingImport):
            return .error(.methodNotAllowed, "\(request.method) not allowed on \(request.path)")
        default:
            return nil
        }
    }
}
