/*
 * shm_producer.c - a shm-streams producer in C, written from docs/layout.md alone.
 *
 * It creates a channel (temporary file, header with the layout version written last, producer
 * lock, link(2) to the real name), writes frames into the slots in place and publishes each with a
 * sequentially consistent store of the published sequence, wakes the consumer's futex only when
 * the consumer's waiter count is non-zero, sleeps on the producer futex when the ring is full,
 * completes the stream, waits for the consumer to release everything, and detaches (the last
 * participant out unlinks the file).
 *
 * Frame i: length = frame_bytes - 8 * (i % 7); 64-bit word k of the payload = i * 0x9E3779B97F4A7C15 + k
 * (little-endian); frame id = i; user flag bit 16 set on odd frames; user metadata: u64 xor of all
 * words at +0, u32 0x43534D53 ("SMSC") at +8.
 *
 * Build: gcc -std=c11 -O2 -Wall -Wextra -o shm_producer shm_producer.c
 * Run:   shm_producer DIR NAME SLOTS FRAME_BYTES FRAMES [FPS]
 * Prints READY <path>, then DONE frames=N ring_full=N waits=N wakes=N consumed=0|1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the segment is little-endian; this program stores integers natively"
#endif

/* Control block (0x0000) */
#define MAGIC                       0x314D5254534D4853ULL  /* "SHMSTRM1" */
#define LAYOUT_VERSION              1u
#define OFF_MAGIC                   0
#define OFF_VERSION                 8
#define OFF_HEADER_LENGTH           12
#define OFF_SLOT_COUNT              16
#define OFF_SLOT_SIZE               20
#define OFF_SLOT_ALIGNMENT          24
#define OFF_MAX_CONSUMERS           28
#define OFF_DATA_OFFSET             32
#define OFF_SEGMENT_LENGTH          40
#define OFF_CREATION_TIME           48
#define OFF_CREATOR_PID             56
#define OFF_SEGMENT_FLAGS           64
#define OFF_SLOT_DESCRIPTOR_LENGTH  68
/* Regions */
#define OFF_METADATA_LENGTH         0x0080
#define OFF_METADATA_TEXT           0x0084
#define METADATA_MAX                380
#define PRODUCER_BLOCK              0x0200
#define OFF_PUBLISHED               0x0400
#define PRODUCER_FUTEX              0x0480
#define CONSUMER_FUTEX              0x0500
#define WAITERS_IN_FUTEX               64
#define CONSUMER_ENTRY(i)           (0x0800 + 1024 * (i))
#define RELEASED_IN_ENTRY           512
#define SLOT_DESCRIPTORS            0x2800
#define SLOT_DESCRIPTOR_LENGTH      128
#define MAX_CONSUMERS               8
#define PAGE                        4096u
/* Participant block */
#define P_PID                       0
#define P_START_TIME                8
#define P_HEARTBEAT                 16
#define P_STATE                     24
#define P_ATTACH_COUNT              28
#define P_ATTACH_TIME               32
#define P_WAIT_STRATEGY             40
#define P_CURSOR                    64
#define P_COUNTER(i)                (72 + 8 * (i))
#define P_ERROR_LENGTH              128
enum { STATE_EMPTY, STATE_ACTIVE, STATE_COMPLETED, STATE_FAILED, STATE_CANCELLED, STATE_CLOSED };
enum { PRODUCER_BYTES, PRODUCER_RING_FULL, PRODUCER_ABORTED, PRODUCER_WAITS, PRODUCER_WAKES };
/* Slot descriptor */
#define D_SEQUENCE                  0
#define D_FRAME_ID                  8
#define D_TIMESTAMP                 16
#define D_LENGTH                    24
#define D_FLAGS                     28
#define D_RELEASED_MARK             32
#define D_USER_METADATA             64
/* Lock bytes */
#define LOCK_PRODUCER               0
#define LOCK_CONSUMER(i)            (1 + (i))
#define LOCK_CLEANUP                63

#define LIVENESS_NS                 100000000LL            /* sleep at most this long; heartbeat this often */

static uint8_t *seg;
static int fd = -1;
static uint64_t slots, mask, slot_size, data_offset;

static uint32_t *u32(uint64_t off) { return (uint32_t *)(seg + off); }
static uint64_t *u64(uint64_t off) { return (uint64_t *)(seg + off); }
static int64_t *i64(uint64_t off) { return (int64_t *)(seg + off); }

static void die(const char *what)
{
    fprintf(stderr, "shm_producer: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Process start time, epoch ms: /proc/self/stat field 22 (ticks since boot) + /proc/stat btime. */
static uint64_t start_time_ms(void)
{
    char buf[4096];
    unsigned long long start_ticks = 0, btime = 0;
    FILE *f = fopen("/proc/self/stat", "r");
    if (f != NULL && fgets(buf, sizeof buf, f) != NULL)
    {
        const char *p = strrchr(buf, ')');
        int field = 2;
        while (p != NULL && *p != '\0' && field < 22)
        {
            if (*p++ == ' ')
            {
                field++;
            }
        }
        if (p != NULL)
        {
            start_ticks = strtoull(p, NULL, 10);
        }
    }
    if (f != NULL)
    {
        fclose(f);
    }
    f = fopen("/proc/stat", "r");
    while (f != NULL && fgets(buf, sizeof buf, f) != NULL)
    {
        if (sscanf(buf, "btime %llu", &btime) == 1)
        {
            break;
        }
    }
    if (f != NULL)
    {
        fclose(f);
    }
    return (uint64_t)btime * 1000u + start_ticks * 1000u / (uint64_t)sysconf(_SC_CLK_TCK);
}

/* OFD byte locks: owned by the open file description, released by the kernel when the process dies. */
static int ofd_lock(int cmd, short type, off_t byte)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = byte;
    fl.l_len = 1;
    fl.l_pid = 0;
    while (fcntl(fd, cmd, &fl) != 0)
    {
        if (errno != EINTR || cmd != F_OFD_SETLKW)
        {
            return -1;
        }
    }
    return cmd == F_OFD_GETLK ? fl.l_type != F_UNLCK : 0;
}

static int locked_by_other(off_t byte)
{
    return ofd_lock(F_OFD_GETLK, F_WRLCK, byte) == 1;
}

static long futex(uint32_t *word, int op, uint32_t value, const struct timespec *timeout)
{
    /* a shared futex (no FUTEX_PRIVATE_FLAG): the kernel keys it by inode and offset */
    return syscall(SYS_futex, word, op, value, timeout, NULL, 0);
}

static void add_counter(int index, uint64_t delta)
{
    uint64_t *counter = u64(PRODUCER_BLOCK + P_COUNTER(index));
    __atomic_store_n(counter, *counter + delta, __ATOMIC_RELEASE);
}

static uint32_t consumer_state(void)
{
    return __atomic_load_n(u32(CONSUMER_ENTRY(0) + P_STATE), __ATOMIC_ACQUIRE);
}

static int64_t released(void)
{
    return __atomic_load_n(i64(CONSUMER_ENTRY(0) + RELEASED_IN_ENTRY), __ATOMIC_ACQUIRE);
}

static void heartbeat(int64_t *last)
{
    const int64_t now = clock_ns(CLOCK_MONOTONIC);
    if (now - *last >= LIVENESS_NS)
    {
        __atomic_store_n(i64(PRODUCER_BLOCK + P_HEARTBEAT), now, __ATOMIC_RELEASE);
        *last = now;
    }
}

/* After a store the consumer may be sleeping for: a syscall only when someone sleeps. */
static void wake_consumer(void)
{
    if (__atomic_load_n(u32(CONSUMER_FUTEX + WAITERS_IN_FUTEX), __ATOMIC_ACQUIRE) != 0)
    {
        __atomic_fetch_add(u32(CONSUMER_FUTEX), 1, __ATOMIC_SEQ_CST);
        futex(u32(CONSUMER_FUTEX), FUTEX_WAKE, INT_MAX, NULL);
        add_counter(PRODUCER_WAKES, 1);
    }
}

/* Sleep on the producer futex until released >= target, at most one liveness interval. */
static void wait_released(int64_t target)
{
    uint32_t *word = u32(PRODUCER_FUTEX);
    uint32_t *waiters = u32(PRODUCER_FUTEX + WAITERS_IN_FUTEX);
    const uint32_t w = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    __atomic_fetch_add(waiters, 1, __ATOMIC_SEQ_CST);
    if (released() < target && consumer_state() != STATE_CANCELLED)
    {
        const struct timespec timeout = { 0, LIVENESS_NS };
        __atomic_fetch_add(u64(PRODUCER_BLOCK + P_COUNTER(PRODUCER_WAITS)), 1, __ATOMIC_SEQ_CST);
        futex(word, FUTEX_WAIT, w, &timeout);          /* EAGAIN if the word moved since w: no lost wake-up */
    }
    __atomic_fetch_sub(waiters, 1, __ATOMIC_SEQ_CST);
}

static uint64_t word_of(uint64_t frame, uint64_t k)
{
    return frame * 0x9E3779B97F4A7C15ULL + k;
}

int main(int argc, char **argv)
{
    if (argc < 6)
    {
        fprintf(stderr, "usage: %s DIR NAME SLOTS FRAME_BYTES FRAMES [FPS]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    const char *name = argv[2];
    slots = strtoull(argv[3], NULL, 10);
    const uint64_t frame_bytes = strtoull(argv[4], NULL, 10);
    const int64_t frames = strtoll(argv[5], NULL, 10);
    const double fps = argc > 6 ? strtod(argv[6], NULL) : 0;
    if (slots < 1 || slots > 65536 || (slots & (slots - 1)) != 0 || frame_bytes < 64 || frame_bytes % 8 != 0 ||
        frame_bytes > (1u << 30))
    {
        fprintf(stderr, "shm_producer: SLOTS must be a power of two <= 65536, FRAME_BYTES a multiple of 8 >= 64\n");
        return 2;
    }
    mask = slots - 1;
    /* slots smaller than a page are packed at 128 B; the data region and the file stay whole pages */
    const uint64_t slot_alignment = (frame_bytes + 127) / 128 * 128 < PAGE ? 128 : PAGE;
    slot_size = (frame_bytes + slot_alignment - 1) / slot_alignment * slot_alignment;
    const uint64_t header_length = SLOT_DESCRIPTORS + slots * SLOT_DESCRIPTOR_LENGTH;
    data_offset = (header_length + PAGE - 1) / PAGE * PAGE;
    const uint64_t segment_length = (data_offset + slots * slot_size + PAGE - 1) / PAGE * PAGE;

    char path[4096], tmp[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s/.%s.%d.1.creating", dir, name, (int)getpid());

    /* 1-3: create under a temporary name, exact mode, allocate (ENOSPC now, not SIGBUS later), map */
    fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) die(tmp);
    if (fchmod(fd, 0600) != 0) die("fchmod");
    if (ftruncate(fd, (off_t)segment_length) != 0) die("ftruncate");
    const int allocated = posix_fallocate(fd, 0, (off_t)segment_length);
    if (allocated == ENOSPC)
    {
        errno = ENOSPC;
        unlink(tmp);
        die("posix_fallocate");
    }
    seg = mmap(NULL, segment_length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (seg == MAP_FAILED) die("mmap");

    /* 4: the header; the producer block's state goes last of the block, the layout version last of all */
    *u64(OFF_MAGIC) = MAGIC;
    *u32(OFF_HEADER_LENGTH) = (uint32_t)header_length;
    *u32(OFF_SLOT_COUNT) = (uint32_t)slots;
    *u32(OFF_SLOT_SIZE) = (uint32_t)slot_size;
    *u32(OFF_SLOT_ALIGNMENT) = (uint32_t)slot_alignment;
    *u32(OFF_MAX_CONSUMERS) = MAX_CONSUMERS;
    *u64(OFF_DATA_OFFSET) = data_offset;
    *u64(OFF_SEGMENT_LENGTH) = segment_length;
    *u64(OFF_CREATION_TIME) = (uint64_t)(clock_ns(CLOCK_REALTIME) / 1000000);
    *u64(OFF_CREATOR_PID) = (uint64_t)getpid();
    *u32(OFF_SEGMENT_FLAGS) = 0;
    *u32(OFF_SLOT_DESCRIPTOR_LENGTH) = SLOT_DESCRIPTOR_LENGTH;
    char metadata[METADATA_MAX + 1];
    const int metadata_length = snprintf(metadata, sizeof metadata,
        "application/x-shm-streams-c-demo; frames=%" PRId64 "; written in C from docs/layout.md", frames);
    memcpy(seg + OFF_METADATA_TEXT, metadata, (size_t)metadata_length);
    *u32(OFF_METADATA_LENGTH) = (uint32_t)metadata_length;
    for (uint64_t i = 0; i < slots; i++)
    {
        *i64(SLOT_DESCRIPTORS + i * SLOT_DESCRIPTOR_LENGTH + D_SEQUENCE) = -1;
        *i64(SLOT_DESCRIPTORS + i * SLOT_DESCRIPTOR_LENGTH + D_RELEASED_MARK) = -1;
    }
    int64_t last_beat = clock_ns(CLOCK_MONOTONIC);
    *u64(PRODUCER_BLOCK + P_PID) = (uint64_t)getpid();
    *u64(PRODUCER_BLOCK + P_START_TIME) = start_time_ms();
    *i64(PRODUCER_BLOCK + P_HEARTBEAT) = last_beat;
    *u32(PRODUCER_BLOCK + P_ATTACH_COUNT) = 1;
    *u64(PRODUCER_BLOCK + P_ATTACH_TIME) = (uint64_t)(clock_ns(CLOCK_REALTIME) / 1000000);
    *u32(PRODUCER_BLOCK + P_WAIT_STRATEGY) = 2;   /* blocking */
    *u64(PRODUCER_BLOCK + P_CURSOR) = 0;
    *u32(PRODUCER_BLOCK + P_ERROR_LENGTH) = 0;
    __atomic_store_n(u32(PRODUCER_BLOCK + P_STATE), STATE_ACTIVE, __ATOMIC_RELEASE);
    __atomic_store_n(u32(OFF_VERSION), LAYOUT_VERSION, __ATOMIC_RELEASE);

    /* 5-6: the producer lock, then publish under the real name; link fails if the name exists */
    if (ofd_lock(F_OFD_SETLK, F_WRLCK, LOCK_PRODUCER) != 0) die("lock the producer byte");
    if (link(tmp, path) != 0)
    {
        const int error = errno;
        unlink(tmp);
        errno = error;
        die(error == EEXIST ? "the channel exists (this program does not sweep stale segments)" : "link");
    }
    unlink(tmp);
    printf("READY %s\n", path);
    fflush(stdout);

    int64_t released_cache = 0;
    int64_t published = 0;
    int cancelled = 0;
    const int64_t period = fps > 0 ? (int64_t)(1e9 / fps) : 0;
    int64_t next_frame = clock_ns(CLOCK_MONOTONIC);
    for (int64_t s = 0; s < frames && !cancelled; s++)
    {
        if (period > 0)
        {
            while (clock_ns(CLOCK_MONOTONIC) < next_frame)
            {
                const struct timespec nap = { 0, 200000 };
                nanosleep(&nap, NULL);
            }
            next_frame += period;
        }
        /* claim: a slot is free once the consumer released the frame a lap earlier */
        int counted = 0;
        while (s - released_cache >= (int64_t)slots)
        {
            released_cache = released();
            if (released_cache > published || released_cache < 0)
            {
                fprintf(stderr, "shm_producer: impossible released sequence %" PRId64 "\n", released_cache);
                return 1;
            }
            if (consumer_state() == STATE_CANCELLED)
            {
                cancelled = 1;
                break;
            }
            if (s - released_cache < (int64_t)slots)
            {
                break;
            }
            if (!counted)
            {
                add_counter(PRODUCER_RING_FULL, 1);
                counted = 1;
            }
            wait_released(s - (int64_t)slots + 1);
            heartbeat(&last_beat);
        }
        if (cancelled || consumer_state() == STATE_CANCELLED)
        {
            cancelled = 1;
            break;
        }
        __atomic_store_n(u64(PRODUCER_BLOCK + P_CURSOR), (uint64_t)s + 1, __ATOMIC_RELEASE);

        /* write in place */
        const uint64_t slot = (uint64_t)s & mask;
        uint64_t *payload = (uint64_t *)(seg + data_offset + slot * slot_size);
        const uint64_t length = frame_bytes - 8 * ((uint64_t)s % 7);
        uint64_t checksum = 0;
        for (uint64_t k = 0; k < length / 8; k++)
        {
            payload[k] = word_of((uint64_t)s, k);
            checksum ^= payload[k];
        }
        const uint64_t d = SLOT_DESCRIPTORS + slot * SLOT_DESCRIPTOR_LENGTH;
        *u64(d + D_FRAME_ID) = (uint64_t)s;
        *i64(d + D_TIMESTAMP) = clock_ns(CLOCK_MONOTONIC);
        *u32(d + D_LENGTH) = (uint32_t)length;
        *u32(d + D_FLAGS) = (s & 1) ? (1u << 16) : 0;
        *u64(d + D_USER_METADATA) = checksum;
        *u32(d + D_USER_METADATA + 8) = 0x43534D53u;
        /* release, last: a consumer may see the frame by its descriptor before the published sequence */
        __atomic_store_n(i64(d + D_SEQUENCE), s, __ATOMIC_RELEASE);

        /* commit: a seq_cst store (release, and the StoreLoad before reading the waiter count) */
        __atomic_store_n(i64(OFF_PUBLISHED), s + 1, __ATOMIC_SEQ_CST);
        published = s + 1;
        wake_consumer();
        add_counter(PRODUCER_BYTES, length);
        heartbeat(&last_beat);
    }

    /* complete, then wait until the consumer released everything, left, or never came (10 s) */
    __atomic_store_n(u32(PRODUCER_BLOCK + P_STATE), STATE_COMPLETED, __ATOMIC_RELEASE);
    wake_consumer();
    const int64_t give_up = clock_ns(CLOCK_MONOTONIC) + 10000000000LL;
    int consumed = 0;
    for (;;)
    {
        const uint32_t state = consumer_state();
        const int attached = locked_by_other(LOCK_CONSUMER(0));
        if (released() == published && state != STATE_EMPTY)
        {
            consumed = 1;
            break;
        }
        if ((state != STATE_EMPTY && !attached) || state == STATE_CANCELLED ||
            (state == STATE_EMPTY && clock_ns(CLOCK_MONOTONIC) > give_up))
        {
            break;
        }
        wait_released(published);
        heartbeat(&last_beat);
    }

    /* detach: under the cleanup lock, drop the role lock; unlink if nobody else holds a role byte */
    if (ofd_lock(F_OFD_SETLKW, F_WRLCK, LOCK_CLEANUP) != 0) die("lock the cleanup byte");
    ofd_lock(F_OFD_SETLK, F_UNLCK, LOCK_PRODUCER);
    int others = 0;
    for (int byte = 0; byte <= MAX_CONSUMERS; byte++)
    {
        others |= locked_by_other(byte);
    }
    struct stat by_path, by_fd;
    if (!others && lstat(path, &by_path) == 0 && fstat(fd, &by_fd) == 0 && by_path.st_dev == by_fd.st_dev &&
        by_path.st_ino == by_fd.st_ino)
    {
        unlink(path);
    }
    ofd_lock(F_OFD_SETLK, F_UNLCK, LOCK_CLEANUP);
    const uint64_t ring_full = *u64(PRODUCER_BLOCK + P_COUNTER(PRODUCER_RING_FULL));
    const uint64_t waits = *u64(PRODUCER_BLOCK + P_COUNTER(PRODUCER_WAITS));
    const uint64_t wakes = *u64(PRODUCER_BLOCK + P_COUNTER(PRODUCER_WAKES));
    munmap(seg, segment_length);
    close(fd);
    printf("DONE frames=%" PRId64 " ring_full=%" PRIu64 " waits=%" PRIu64 " wakes=%" PRIu64 " consumed=%d%s\n",
        published, ring_full, waits, wakes, consumed, cancelled ? " cancelled=1" : "");
    return 0;
}
