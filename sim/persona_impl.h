/* persona_impl.h */
