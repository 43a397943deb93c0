// W8 cold start, the bare runtime: a script that does nothing.
export {};
