// (family table: filled in by its own commit)

enum VendorLines {
    static let named: [String: ATLineDecoding] = [:]
    static let bare: [ATBareLineDecoder] = []
}
