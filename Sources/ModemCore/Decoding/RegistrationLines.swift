// (family table: filled in by its own commit)

enum RegistrationLines {
    static let named: [String: ATLineDecoding] = [:]
    static let bare: [ATBareLineDecoder] = []
}
