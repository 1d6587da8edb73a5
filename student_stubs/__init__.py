"""The reference solution of the course "Neural Networks from Scratch in NumPy".

Modules import each other only with relative imports, so any copy of this
package works under any name. Import modules by name (`pkg.train`), never
names re-exported here: this file is deliberately empty of re-exports.
"""
