// Coverage-guided fuzzing of everything that reads modem output: the AT framer, the line
// decoders, and the state machine fed arbitrary bytes after a normal start-up.
//
//   swift build --scratch-path .build-fuzz --product FuzzAT -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address
//   SWIFT_BACKTRACE=enable=no .build-fuzz/debug/FuzzAT -max_total_time=120 Fuzz/corpus/at
//
// Without -DFUZZING it replays the files named on the command line (a regression run).
import Foundation
import FuzzDriver
import ModemCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = ATLogDecoder.decode(bytes, command: nil)
    _ = ATLogDecoder.decode(bytes, command: "AT+CREG?")
    var machine = ModemStateMachine(configuration: ModemConfiguration(dialect: .huawei), now: .zero)
    var now = ModemInstant.zero
    _ = machine.portOpened(now: now)
    // Feed in two halves so split lines are exercised, then let every timer fire once.
    _ = machine.received(bytes.prefix(size / 2), now: now)
    now = now + .seconds(1)
    _ = machine.received(bytes.dropFirst(size / 2), now: now)
    for timer in [ModemTimer.poll, .recovery, .simRetry, .ringTimeout, .command(1)] {
        now = now + .seconds(60)
        _ = machine.timerFired(timer, now: now)
    }
    return 0
}

FuzzDriver.run("FuzzAT", fuzzOne)
