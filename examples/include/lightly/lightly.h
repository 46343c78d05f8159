/* In-tree stand-in for the installed <lightly/lightly.h>, so the examples
 * compile in the build tree exactly as users write them. */
#include <lightly.h>
