"""Your solutions to the course "Neural Networks from Scratch in NumPy".

One module per assignment: write each function where it says `# YOUR CODE HERE`,
following its docstring. Import one of your modules from another only with a
relative import (`from .layers import linear_forward`), so that the package works
under any folder name. The grader imports each module by its own name, so leave
this file as it is: a name re-exported here is not what it grades.
"""
