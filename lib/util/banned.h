/* banned.h: functions that invite overflows; use snprintf, ladder_buf, memcpy. */
#ifndef LADDER_BANNED_H
#define LADDER_BANNED_H

#define BANNED(func) sorry_##func##_is_banned_in_ladder

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gets
#define gets(x) BANNED(gets)

#endif
