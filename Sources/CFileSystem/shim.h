// statfs(2): the file system type of a path (Glibc's Swift overlay does not export sys/vfs.h).
#ifndef PSEUDOTRACK_CFILESYSTEM_SHIM_H
#define PSEUDOTRACK_CFILESYSTEM_SHIM_H
#include <sys/vfs.h>
/// The f_type magic number of the file system holding `path`, or -1 on error.
static inline long long pt_filesystem_magic(const char *path) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -1;
    return (long long)info.f_type;
}
#endif
