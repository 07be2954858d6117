/*
 * ums.h: the User Management Service persona (users with embedded
 * profiles), as persona.c and the financial engine see it.
 */
#ifndef STANDIN_UMS_H
#define STANDIN_UMS_H

struct persona;
struct persona_ops;

/* The UMS persona's routes, fixture loader and store destructor. */
extern const struct persona_ops ums_ops;

/* Does this UMS persona hold a user with that id (in any status)? */
int ums_user_exists(const struct persona *, const char *id);

#endif
