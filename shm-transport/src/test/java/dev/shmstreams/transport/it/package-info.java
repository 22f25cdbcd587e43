/**
 * Cross-process integration tests of the transport: real child JVMs, real {@code kill -9}.
 *
 * <h2>Running</h2>
 * {@code mvn -pl shm-transport verify} runs every {@code *IT} class here with failsafe, after the
 * unit tests. One class: {@code -Dit.test=ProducerKillIT}.
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link dev.shmstreams.transport.it.ChildJvm}: starts a child on the test class path, reads
 *       its output lines, kills it with SIGKILL, never lets it outlive the test. Each child's output
 *       is in {@code target/it-logs/<Test>.<case>.<role>-<pid>.log}.</li>
 *   <li>{@link dev.shmstreams.transport.it.ProducerProcess} and
 *       {@link dev.shmstreams.transport.it.ConsumerProcess}: the child main classes, driven by
 *       {@code key=value} arguments, speaking {@code WORD key=value ...} lines on standard output.</li>
 *   <li>{@link dev.shmstreams.transport.it.FramePattern} and
 *       {@link dev.shmstreams.transport.it.FrameVerifier}: frames whose length, content, frame id
 *       and CRC32C are functions of (seed, sequence), checked on arrival.</li>
 *   <li>{@link dev.shmstreams.transport.it.SegmentProbe}: reads the published and released
 *       sequences from the segment file itself, to judge a survivor's account of a dead peer.</li>
 * </ul>
 *
 * <h2>Rules these tests keep</h2>
 * Each test has its own directory under /dev/shm ({@code ShmTestDirectory}) and asserts the
 * library unlinked its segment. Children use the blocking wait strategy: two busy-spinning
 * processes on a two-core machine would starve everything else. Timeouts only bound how long a
 * broken test hangs; nothing asserts speed.
 */
package dev.shmstreams.transport.it;
