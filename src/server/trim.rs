//! Gives back, once after start-up, the memory only start-up used (`questlog serve` calls
//! [`after_startup`] when the app is built and the listener bound).
//!
//! - Heap: the migrations and the building of the router and of the OpenAPI document leave
//!   freed memory that mimalloc keeps committed until its purge delay has passed *and* it next
//!   collects, which an idle server never makes it do: `mi_collect(true)` purges it now.
//! - Code: start-up code (migrations, clap, building the router and the OpenAPI document) was
//!   faulted in, 64 KiB around each touched page, and stays resident although it will not run
//!   again. The read-only private mappings of files (the executable's code and constants, the
//!   shared libraries') whose pages were never written hold nothing but the file's bytes, so
//!   `MADV_DONTNEED` drops them from this process's page tables without losing anything: what
//!   still runs is faulted back from the page cache at its next use. The kernel drops such
//!   clean pages under memory pressure anyway; doing it once now keeps start-up code out of the
//!   resident set of an idle server. It frees no memory of the machine (the page cache keeps
//!   the file), it only stops counting pages this process will not touch again.
//!
//! The heap purge runs everywhere; dropping pages is Linux only. Every error is ignored: none of
//! it is needed for serving.

/// Trims the heap and start-up code from the resident set.
pub fn after_startup() {
    // SAFETY: mi_collect frees and purges only memory that is no longer allocated.
    unsafe { libmimalloc_sys::mi_collect(true) };
    #[cfg(target_os = "linux")]
    let _ = linux::drop_clean_file_pages();
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io;

    /// `MADV_DONTNEED` over every file mapping that is read-only, private and has no anonymous
    /// (copied-on-write) page, i.e. whose every page is still the file's. A mapping that was
    /// ever written (RELRO after relocation, a debugger's breakpoint) is left alone: dropping
    /// its pages would bring the file's bytes back in place of the written ones. Read-only, it
    /// cannot be written between the check and the call.
    pub fn drop_clean_file_pages() -> io::Result<()> {
        let smaps = std::fs::read_to_string("/proc/self/smaps")?;
        let mut current: Option<(usize, usize)> = None;
        for line in smaps.lines() {
            if let Some(m) = mapping(line) {
                current = (m.read_only_private && m.inode != 0).then_some((m.start, m.end));
            } else if let Some(rest) = line.strip_prefix("Anonymous:")
                && let Some((start, end)) = current.take()
                && rest.trim() == "0 kB"
            {
                // SAFETY: the range is a whole mapping of a file, read-only, never written
                // (no anonymous page), so its pages are the file's: dropping them changes
                // no byte this process reads, they are faulted back from the page cache.
                unsafe {
                    libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
                }
            }
        }
        Ok(())
    }

    pub(super) struct Mapping {
        pub start: usize,
        pub end: usize,
        pub read_only_private: bool,
        pub inode: u64,
    }

    /// A mapping's header line in smaps: `start-end perms offset dev inode path`.
    pub(super) fn mapping(line: &str) -> Option<Mapping> {
        let mut f = line.split_ascii_whitespace();
        let (start, end) = f.next()?.split_once('-')?;
        let start = usize::from_str_radix(start, 16).ok()?;
        let end = usize::from_str_radix(end, 16).ok()?;
        let perms = f.next()?.as_bytes();
        let _offset = f.next()?;
        let _dev = f.next()?;
        let inode = f.next()?.parse().ok()?;
        Some(Mapping {
            start,
            end,
            read_only_private: perms.len() == 4
                && perms[0] == b'r'
                && perms[1] == b'-'
                && perms[3] == b'p',
            inode,
        })
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::io::Write;
    use std::os::fd::AsRawFd;

    #[test]
    fn parses_mapping_lines() {
        let m = super::linux::mapping(
            "55f556e09000-55f55899c000 r-xp 01480000 fe:00 1234567   /usr/bin/questlog",
        )
        .unwrap();
        assert_eq!((m.start, m.end), (0x55f5_56e0_9000, 0x55f5_5899_c000));
        assert!(m.read_only_private);
        assert_eq!(m.inode, 1_234_567);
        let rw = super::linux::mapping("7f13d0000000-7f13d005e000 rw-p 00000000 00:00 0 ").unwrap();
        assert!(!rw.read_only_private);
        assert_eq!(rw.inode, 0);
        let shared = super::linux::mapping("7f00-8f00 r--s 00000000 fe:00 42 /tmp/x-shm").unwrap();
        assert!(!shared.read_only_private);
        assert!(super::linux::mapping("Anonymous:           0 kB").is_none());
        assert!(super::linux::mapping("VmFlags: rd ex mr mw me").is_none());
    }

    /// A read-only private file mapping with a page written before it was made read-only
    /// (what the loader does to RELRO) keeps the written byte; clean ones still read the file.
    #[test]
    fn written_mappings_are_left_alone() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&[7u8; 8192]).unwrap();
        let len = 8192;
        let map = |prot| {
            // SAFETY: a fresh mapping of our own file, unmapped below.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    prot,
                    libc::MAP_PRIVATE,
                    file.as_raw_fd(),
                    0,
                )
            };
            assert_ne!(p, libc::MAP_FAILED);
            p.cast::<u8>()
        };
        let written = map(libc::PROT_READ | libc::PROT_WRITE);
        let clean = map(libc::PROT_READ);
        // SAFETY: both point to `len` mapped bytes; `written` is writable until mprotect.
        unsafe {
            *written = 1;
            assert_eq!(libc::mprotect(written.cast(), len, libc::PROT_READ), 0);
            assert_eq!(*clean, 7);
        }
        super::linux::drop_clean_file_pages().unwrap();
        // SAFETY: as above; unmapped once read.
        unsafe {
            assert_eq!(*written, 1, "the copied-on-write page was kept");
            assert_eq!(*written.add(4096), 7);
            assert_eq!(*clean, 7, "the dropped page is read back from the file");
            libc::munmap(written.cast(), len);
            libc::munmap(clean.cast(), len);
        }
        // Code and constants dropped from this process still run and read the same.
        assert_eq!(format!("{:?}", Some("questlog")), "Some(\"questlog\")");
    }
}
