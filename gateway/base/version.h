/* version.h - the version of Steward, printed by --version and published in P/status. */
#ifndef STEWARD_VERSION_H
#define STEWARD_VERSION_H
#define STEWARD_VERSION "0.1.0"
#endif
