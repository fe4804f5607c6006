//! MAP_SHARED memory across fork: anonymous and file-backed shared
//! mappings are one memory in parent and children (fork children are
//! separate elfuse processes that map the same host objects), private ones
//! are copies; POSIX named semaphores work across processes. qemu-user
//! forks natively, so it is a reference here.

mod common;
use common::*;

#[test]
fn shared_mappings_survive_fork() {
    expect(
        &guest("shm_fork"),
        &[],
        b"",
        "anon child->parent: 1 101 102 103\nanon parent->child: status 0\n\
file: status 0: child page0 | child page1 | tail\nsem: waited 3, value 0, status 0\n\
private: parent sees 5, status 0\natomic: 40000 (children ok)\ngrandchild: 77, status 0\n\
mremap: moved 1, status 0: first third file third\nmsync: 0 EINVAL ENOMEM\nreadonly: a Bail EACCES, status 0\n",
        0,
    );
}
