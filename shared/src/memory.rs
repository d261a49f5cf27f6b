//! Giving freed heap memory back to the operating system.
//!
//! glibc's allocator keeps memory freed by other threads in per-thread arenas and
//! returns it to the system only from the top of each heap, so after thousands of
//! HTTP sessions end, a server's resident size stays near its peak although almost
//! nothing is allocated (measured: 53 MB resident with 0.3 MB in use). `malloc_trim`
//! releases the free pages of every arena. Elsewhere (musl, other systems) this does
//! nothing.

/// Returns free heap pages to the system; call it after a burst of frees (e.g.
/// sessions expiring), not on every request (it walks every arena).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only inspects and releases the allocator's own free lists;
    // it has no preconditions and is thread-safe in glibc.
    unsafe {
        libc::malloc_trim(0);
    }
}
